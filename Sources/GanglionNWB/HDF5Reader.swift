import CHDF5
import Foundation
import GanglionIO

/// A thin read-only view of an HDF5 file: existence of paths, group members, string and number attributes,
/// and one-dimensional float64 reads. Callers hold `hdf5Lock`.
final class HDF5Reader {
    let path: String
    private let file: hid_t

    /// Opens `path` read-only; as an input of the command (`asInput`, default) it is never replaced by an output.
    init(path: String, asInput: Bool = true) throws(NWBError) {
        self.path = path
        ganglion_h5_silence_errors()
        guard FileManager.default.fileExists(atPath: path) else { throw NWBError(file: path, message: "no such file") }
        if asInput { OutputPolicy.protectInput(path) }
        guard H5Fis_hdf5(path) > 0 else { throw NWBError(file: path, message: "not an HDF5 (NWB) file") }
        file = H5Fopen(path, ganglion_h5f_acc_rdonly(), ganglion_h5p_default())
        guard file >= 0 else { throw NWBError(file: path, message: "cannot open the HDF5 file") }
    }

    deinit { H5Fclose(file) }

    /// Whether the object at the absolute `objectPath` exists (every link on the way, soft links resolved).
    func exists(_ objectPath: String) -> Bool {
        var prefix = ""
        for part in objectPath.split(separator: "/") {
            prefix += "/" + part
            guard H5Lexists(file, prefix, ganglion_h5p_default()) > 0,
                  H5Oexists_by_name(file, prefix, ganglion_h5p_default()) > 0 else { return false }
        }
        return true
    }

    /// Visits the groups below `group`, depth first, at most `depth` levels down (NWB nests series a few
    /// levels deep; the bound also ends hard-link cycles); `visit` returns true when it consumed a group
    /// (its members are then not visited).
    func walk(_ group: String, depth: Int = 6, _ visit: (String) -> Bool) {
        guard depth > 0 else { return }
        let g = H5Gopen2(file, group, ganglion_h5p_default())
        guard g >= 0 else { return }
        var info = H5G_info_t()
        guard H5Gget_info(g, &info) >= 0 else { H5Gclose(g); return }
        var children: [String] = []
        for i in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ganglion_h5p_default())
            guard size > 0 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, Int(size) + 1, ganglion_h5p_default())
            children.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        H5Gclose(g)
        for c in children {
            let child = group + "/" + c
            let cg = H5Gopen2(file, child, ganglion_h5p_default())
            guard cg >= 0 else { continue }   // a dataset
            H5Gclose(cg)
            if !visit(child) { walk(child, depth: depth - 1, visit) }
        }
    }

    private func openAttribute(_ name: String, of object: String) -> hid_t? {
        guard H5Aexists_by_name(file, object, name, ganglion_h5p_default()) > 0 else { return nil }
        let a = H5Aopen_by_name(file, object, name, ganglion_h5p_default(), ganglion_h5p_default())
        return a >= 0 ? a : nil
    }

    /// A scalar string attribute (variable or fixed length).
    func stringAttribute(_ name: String, of object: String) -> String? {
        guard let a = openAttribute(name, of: object) else { return nil }
        defer { H5Aclose(a) }
        let type = H5Aget_type(a)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else { return nil }
        let memType = H5Tcopy(ganglion_h5t_c_s1())
        defer { H5Tclose(memType) }
        if H5Tis_variable_str(type) > 0 {
            H5Tset_size(memType, ganglion_h5t_variable())
            H5Tset_cset(memType, H5Tget_cset(type))
            var pointer: UnsafeMutablePointer<CChar>?
            guard H5Aread(a, memType, &pointer) >= 0, let p = pointer else { return nil }
            defer { H5free_memory(p) }
            return String(cString: p)
        }
        let size = H5Tget_size(type)
        H5Tset_size(memType, size + 1)
        var buffer = [CChar](repeating: 0, count: size + 1)
        guard H5Aread(a, memType, &buffer) >= 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A scalar numeric attribute, converted to Double.
    func doubleAttribute(_ name: String, of object: String) -> Double? {
        guard let a = openAttribute(name, of: object) else { return nil }
        defer { H5Aclose(a) }
        let type = H5Aget_type(a)
        defer { H5Tclose(type) }
        let c = H5Tget_class(type)
        guard c == H5T_FLOAT || c == H5T_INTEGER else { return nil }
        var v = 0.0
        return H5Aread(a, ganglion_h5t_native_double(), &v) >= 0 ? v : nil
    }

    /// The dimensions of a dataset (empty for a scalar).
    func shape(_ dataset: String) -> [Int]? {
        let d = H5Dopen2(file, dataset, ganglion_h5p_default())
        guard d >= 0 else { return nil }
        defer { H5Dclose(d) }
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank > 0 else { return [] }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// `count` values from `start` of a one-dimensional (or scalar) numeric dataset, as Double.
    func readDoubles(_ dataset: String, from start: Int, count: Int) -> [Double]? {
        let d = H5Dopen2(file, dataset, ganglion_h5p_default())
        guard d >= 0 else { return nil }
        defer { H5Dclose(d) }
        let type = H5Dget_type(d)
        let c = H5Tget_class(type)
        H5Tclose(type)
        guard c == H5T_FLOAT || c == H5T_INTEGER else { return nil }
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        var values = [Double](repeating: 0, count: count)
        if H5Sget_simple_extent_ndims(space) == 0 {
            guard count == 1, H5Dread(d, ganglion_h5t_native_double(), ganglion_h5s_all(), ganglion_h5s_all(), ganglion_h5p_default(), &values) >= 0 else { return nil }
            return values
        }
        guard H5Sget_simple_extent_ndims(space) == 1 else { return nil }
        var offset = [hsize_t(start)], size = [hsize_t(count)]
        guard H5Sselect_hyperslab(space, H5S_SELECT_SET, &offset, nil, &size, nil) >= 0 else { return nil }
        let mem = H5Screate_simple(1, &size, nil)
        defer { H5Sclose(mem) }
        guard H5Dread(d, ganglion_h5t_native_double(), mem, space, ganglion_h5p_default(), &values) >= 0 else { return nil }
        return values
    }
}
