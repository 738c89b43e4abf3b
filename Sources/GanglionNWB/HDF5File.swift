import CHDF5
import Foundation

/// A failure writing an HDF5/NWB file: the file and what went wrong.
public struct NWBError: Error, CustomStringConvertible, Sendable {
    /// The file concerned.
    public let file: String
    /// What went wrong.
    public let message: String
    /// A failure on `file`, described by `message`.
    public init(file: String, message: String) { self.file = file; self.message = message }
    /// The file and the message, as `file: message`.
    public var description: String { "\(file): \(message)" }
}

/// The serial HDF5 library is not thread-safe: every use goes through this lock.
let hdf5Lock = NSLock()

/// A thin owner of one HDF5 file opened for writing: groups, string and number attributes, scalar and
/// string datasets, and extendible (chunked) float64 datasets appended block by block. Identifiers handed
/// out by `group`/`extendibleDoubles` are closed by `close(_:)` or when the file closes.
final class HDF5File {
    let path: String
    private var file: hid_t
    private var open: [hid_t] = []

    /// Creates the file at `path` exclusively (`O_CREAT | O_EXCL`: a file or a symbolic link already there is
    /// an error, and a link is never followed). With `flushOnly`, metadata reaches the file only on `flush()`
    /// and `close()` (`ganglion_h5p_fapl_flush_only`).
    init(creating path: String, flushOnly: Bool = false) throws(NWBError) {
        self.path = path
        ganglion_h5_silence_errors()
        let fapl = flushOnly ? ganglion_h5p_fapl_flush_only() : ganglion_h5p_default()
        guard fapl >= 0 else { throw NWBError(file: path, message: "HDF5 failed to set up its metadata cache") }
        defer { if flushOnly { H5Pclose(fapl) } }
        file = H5Fcreate(path, ganglion_h5f_acc_excl(), ganglion_h5p_default(), fapl)
        guard file >= 0 else { throw NWBError(file: path, message: "cannot create the HDF5 file") }
    }

    /// Opens the regular file at `path` for writing, metadata written only on `flush()` and `close()`. A
    /// symbolic link, or anything but a regular file, is refused: the file is first opened without following
    /// links, and the file HDF5 opens must be that one (same device and inode).
    init(opening path: String) throws(NWBError) {
        self.path = path
        ganglion_h5_silence_errors()
        let d = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard d >= 0 else {
            throw NWBError(file: path, message: "cannot reopen to resume (\(String(cString: strerror(errno))))")
        }
        var before = stat()
        let regular = fstat(d, &before) == 0 && (before.st_mode & S_IFMT) == S_IFREG
        Glibc.close(d)
        guard regular else { throw NWBError(file: path, message: "not a regular file: cannot resume") }
        guard H5Fis_hdf5(path) > 0 else { throw NWBError(file: path, message: "not an HDF5 file: cannot resume") }
        let fapl = ganglion_h5p_fapl_flush_only()
        guard fapl >= 0 else { throw NWBError(file: path, message: "HDF5 failed to set up its metadata cache") }
        defer { H5Pclose(fapl) }
        file = H5Fopen(path, ganglion_h5f_acc_rdwr(), fapl)
        guard file >= 0 else { throw NWBError(file: path, message: "HDF5 cannot open it for writing (damaged?): cannot resume") }
        var now = stat()
        let fd = ganglion_h5_file_descriptor(file)
        guard fd >= 0, fstat(fd, &now) == 0, now.st_dev == before.st_dev, now.st_ino == before.st_ino else {
            // Another file: let go of it without writing a byte to it.
            closeAsIfKilled()
            throw NWBError(file: path, message: "was replaced while it was being opened: cannot resume")
        }
    }

    deinit { try? close() }

    var root: hid_t { file }

    private func check(_ status: herr_t, _ what: @autoclosure () -> String) throws(NWBError) {
        guard status >= 0 else { throw NWBError(file: path, message: "HDF5 failed to \(what())") }
    }
    private func check(id: hid_t, _ what: @autoclosure () -> String) throws(NWBError) -> hid_t {
        guard id >= 0 else { throw NWBError(file: path, message: "HDF5 failed to \(what())") }
        return id
    }

    /// Creates a group `name` under `parent`.
    func group(_ name: String, in parent: hid_t) throws(NWBError) -> hid_t {
        let g = try check(id: H5Gcreate2(parent, name, ganglion_h5p_default(), ganglion_h5p_default(), ganglion_h5p_default()),
                          "create the group '\(name)'")
        open.append(g)
        return g
    }

    /// The variable-length UTF-8 string type (what h5py and pynwb write).
    private func stringType() throws(NWBError) -> hid_t {
        let t = try check(id: H5Tcopy(ganglion_h5t_c_s1()), "copy the string type")
        H5Tset_size(t, ganglion_h5t_variable())
        H5Tset_cset(t, H5T_CSET_UTF8)
        return t
    }

    /// Writes `strings` with a string type through `body(type, space, pointers)`.
    private func withStrings(_ strings: [String], scalar: Bool,
                             _ body: (hid_t, hid_t, UnsafeRawPointer) -> herr_t) throws(NWBError) -> herr_t {
        let type = try stringType()
        defer { H5Tclose(type) }
        var dims = [hsize_t(strings.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let cStrings = strings.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body(type, space, UnsafeRawPointer($0.baseAddress!)) }
    }

    /// A scalar string attribute.
    func attribute(_ name: String, _ value: String, on object: hid_t) throws(NWBError) {
        let status = try withStrings([value], scalar: true) { type, space, data in
            let a = H5Acreate2(object, name, type, space, ganglion_h5p_default(), ganglion_h5p_default())
            guard a >= 0 else { return -1 }
            defer { H5Aclose(a) }
            return H5Awrite(a, type, data)
        }
        try check(status, "write the attribute '\(name)'")
    }

    /// A scalar float64 attribute.
    func attribute(_ name: String, _ value: Double, on object: hid_t) throws(NWBError) {
        var v = value
        try scalarAttribute(name, fileType: ganglion_h5t_ieee_f64le(), memoryType: ganglion_h5t_native_double(), &v, on: object)
    }

    /// A scalar int32 attribute.
    func attribute(_ name: String, _ value: Int32, on object: hid_t) throws(NWBError) {
        var v = value
        try scalarAttribute(name, fileType: ganglion_h5t_std_i32le(), memoryType: ganglion_h5t_native_int32(), &v, on: object)
    }

    private func scalarAttribute(_ name: String, fileType: hid_t, memoryType: hid_t, _ value: UnsafeRawPointer,
                                 on object: hid_t) throws(NWBError) {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let a = try check(id: H5Acreate2(object, name, fileType, space, ganglion_h5p_default(), ganglion_h5p_default()),
                          "create the attribute '\(name)'")
        defer { H5Aclose(a) }
        try check(H5Awrite(a, memoryType, value), "write the attribute '\(name)'")
    }

    /// A string dataset: scalar for one string (`array: false`), else one-dimensional.
    @discardableResult
    func strings(_ name: String, _ values: [String], array: Bool, in parent: hid_t) throws(NWBError) -> hid_t {
        var created: hid_t = -1
        let status = try withStrings(values, scalar: !array) { type, space, data in
            created = H5Dcreate2(parent, name, type, space, ganglion_h5p_default(), ganglion_h5p_default(), ganglion_h5p_default())
            guard created >= 0 else { return -1 }
            return H5Dwrite(created, type, ganglion_h5s_all(), ganglion_h5s_all(), ganglion_h5p_default(), data)
        }
        if created >= 0 { open.append(created) }
        try check(status, "write the dataset '\(name)'")
        return created
    }

    /// A scalar float64 dataset.
    func scalar(_ name: String, _ value: Double, in parent: hid_t) throws(NWBError) -> hid_t {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let d = try check(id: H5Dcreate2(parent, name, ganglion_h5t_ieee_f64le(), space, ganglion_h5p_default(), ganglion_h5p_default(), ganglion_h5p_default()),
                          "create the dataset '\(name)'")
        open.append(d)
        var v = value
        try check(H5Dwrite(d, ganglion_h5t_native_double(), ganglion_h5s_all(), ganglion_h5s_all(), ganglion_h5p_default(), &v),
                  "write the dataset '\(name)'")
        return d
    }

    /// An empty one-dimensional float64 dataset that grows by `append`, chunked by `chunk` rows and
    /// deflate-compressed at `deflate` (0 = none).
    func extendibleDoubles(_ name: String, chunk: Int, deflate: Int, in parent: hid_t) throws(NWBError) -> hid_t {
        var dims: [hsize_t] = [0], maxDims = [ganglion_h5s_unlimited()]
        let space = H5Screate_simple(1, &dims, &maxDims)
        defer { H5Sclose(space) }
        let plist = H5Pcreate(ganglion_h5p_dataset_create())
        defer { H5Pclose(plist) }
        var chunkDims = [hsize_t(max(chunk, 1))]
        try check(H5Pset_chunk(plist, 1, &chunkDims), "set the chunk size of '\(name)'")
        if deflate > 0 {
            H5Pset_shuffle(plist)
            try check(H5Pset_deflate(plist, UInt32(deflate)), "enable compression for '\(name)'")
        }
        let d = try check(id: H5Dcreate2(parent, name, ganglion_h5t_ieee_f64le(), space, ganglion_h5p_default(), plist, ganglion_h5p_default()),
                          "create the dataset '\(name)'")
        open.append(d)
        return d
    }

    /// Appends `values` to an extendible dataset that holds `count` values so far.
    func append(_ values: UnsafeBufferPointer<Double>, to dataset: hid_t, count: Int, name: String) throws(NWBError) {
        guard !values.isEmpty else { return }
        var newSize = [hsize_t(count + values.count)]
        try check(H5Dset_extent(dataset, &newSize), "extend the dataset '\(name)'")
        let fileSpace = H5Dget_space(dataset)
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t(count)], size = [hsize_t(values.count)]
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &size, nil), "select rows of '\(name)'")
        let memSpace = H5Screate_simple(1, &size, nil)
        defer { H5Sclose(memSpace) }
        try check(H5Dwrite(dataset, ganglion_h5t_native_double(), memSpace, fileSpace, ganglion_h5p_default(), values.baseAddress),
                  "write rows of '\(name)'")
    }

    /// Opens the group at the absolute path `path`.
    func openGroup(_ path: String) throws(NWBError) -> hid_t {
        let g = try check(id: H5Gopen2(file, path, ganglion_h5p_default()), "open the group '\(path)'")
        open.append(g)
        return g
    }

    /// Opens the dataset `name` in `parent`.
    func openDataset(_ name: String, in parent: hid_t) throws(NWBError) -> hid_t {
        let d = try check(id: H5Dopen2(parent, name, ganglion_h5p_default()), "open the dataset '\(name)'")
        open.append(d)
        return d
    }

    /// Whether `parent` has a link `name` (a soft link counts, wherever it points).
    func hasLink(_ name: String, in parent: hid_t) -> Bool { H5Lexists(parent, name, ganglion_h5p_default()) > 0 }

    /// Removes the link `name` from `parent` (the object goes when no link is left to it).
    func deleteLink(_ name: String, in parent: hid_t) throws(NWBError) {
        try check(H5Ldelete(parent, name, ganglion_h5p_default()), "remove '\(name)'")
    }

    /// The number of values of a one-dimensional dataset (nil if it is not one).
    func length(of dataset: hid_t) -> Int? {
        let space = H5Dget_space(dataset)
        guard space >= 0 else { return nil }
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_ndims(space) == 1 else { return nil }
        var dims: [hsize_t] = [0]
        guard H5Sget_simple_extent_dims(space, &dims, nil) == 1 else { return nil }
        return Int(dims[0])
    }

    /// Sets the length of an extendible dataset (cutting it drops the values after `count`).
    func setLength(_ dataset: hid_t, _ count: Int, name: String) throws(NWBError) {
        var size = [hsize_t(count)]
        try check(H5Dset_extent(dataset, &size), "set the length of '\(name)' to \(count)")
    }

    /// Writes every buffer (data and metadata) to the file.
    func flush() throws(NWBError) {
        try check(H5Fflush(file, ganglion_h5f_scope_global()), "flush the file")
    }

    /// Ends the use of the file as a killed process would: nothing more reaches it (the descriptor is pointed at
    /// /dev/null before HDF5 lets go of it), so that the file stays as the last flush and the raw data after it
    /// left it. For tests of resuming, and for letting go of a file that must not be written.
    func closeAsIfKilled() {
        guard file >= 0 else { return }
        let fd = ganglion_h5_file_descriptor(file)
        let null = Glibc.open("/dev/null", O_RDWR | O_CLOEXEC)
        if fd >= 0, null >= 0 { dup2(null, fd) }
        if null >= 0 { Glibc.close(null) }
        try? close()
    }

    /// A soft link `name` in `parent` to the object at the absolute path `target`.
    func softLink(_ name: String, to target: String, in parent: hid_t) throws(NWBError) {
        try check(H5Lcreate_soft(target, parent, name, ganglion_h5p_default(), ganglion_h5p_default()), "link '\(name)' to '\(target)'")
    }

    /// Closes every object and the file; further use fails.
    func close() throws(NWBError) {
        guard file >= 0 else { return }
        for id in open.reversed() {
            switch H5Iget_type(id) {
            case H5I_GROUP: H5Gclose(id)
            case H5I_DATASET: H5Dclose(id)
            default: break
            }
        }
        open = []
        errno = 0
        let status = H5Fclose(file)
        let reason = errno
        file = -1
        try check(status, "close the file" + (reason != 0 ? " (\(String(cString: strerror(reason))))" : ""))
    }
}
