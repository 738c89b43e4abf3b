// The HDF5 C library (Debian libhdf5-dev, serial build 1.10+), for NWB export. Only GanglionNWB imports it.
// HDF5 names its type and property-list identifiers with macros Swift cannot import; these inline
// functions hand them over.
#ifndef GANGLION_CHDF5_SHIM_H
#define GANGLION_CHDF5_SHIM_H
#include <hdf5/serial/hdf5.h>

static inline hid_t ganglion_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ganglion_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t ganglion_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t ganglion_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t ganglion_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t ganglion_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t ganglion_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t ganglion_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t ganglion_h5s_all(void) { return H5S_ALL; }
static inline unsigned ganglion_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned ganglion_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hsize_t ganglion_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline unsigned ganglion_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ganglion_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline H5F_scope_t ganglion_h5f_scope_global(void) { return H5F_SCOPE_GLOBAL; }
/// A file-access property list whose metadata cache never evicts an entry, so that HDF5 writes metadata to
/// the file only when asked to (H5Fflush, H5Fclose): between two flushes the file on disk keeps the metadata
/// of the first, and what a killed writer leaves is the file as of its last flush plus raw data beyond it.
/// (HDF5 allows disabling evictions only with the cache's automatic resizing off.) -1 on failure.
static inline hid_t ganglion_h5p_fapl_flush_only(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    H5AC_cache_config_t c;
    c.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    if (H5Pget_mdc_config(fapl, &c) < 0) { H5Pclose(fapl); return -1; }
    c.evictions_enabled = 0;
    c.incr_mode = H5C_incr__off;
    c.flash_incr_mode = H5C_flash_incr__off;
    c.decr_mode = H5C_decr__off;
    if (H5Pset_mdc_config(fapl, &c) < 0) { H5Pclose(fapl); return -1; }
    return fapl;
}
/// The POSIX file descriptor under an HDF5 file opened with the default (sec2) driver, or -1.
static inline int ganglion_h5_file_descriptor(hid_t file) {
    void *handle = 0;
    if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == 0) return -1;
    return *(int *)handle;
}
/// Stops HDF5 printing its error stack to stderr: Ganglion reports failures as Swift errors. Also stops HDF5
/// closing its files again at exit: after a failed close (a full disk) that second close dereferences a
/// freed file and crashes; Ganglion closes (or abandons and removes) every file itself. Called before any
/// other HDF5 call (H5dont_atexit only acts before the library starts).
static inline void ganglion_h5_silence_errors(void) { H5dont_atexit(); H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
