// The one C header Ganglion includes: SUNDIALS CVODE (Debian libsundials-dev 6.x).
#ifndef GANGLION_CSUNDIALS_SHIM_H
#define GANGLION_CSUNDIALS_SHIM_H
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>
#include <sundials/sundials_linearsolver.h>
#endif
