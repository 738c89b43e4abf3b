import CHDF5
import Foundation

extension HDF5File {
    /// Writes the session of an NWB file: the root's NWB attributes, the session description, identifier and
    /// start time, the empty standard groups, and `/general` with the experiment, notes, protocol, source
    /// script, subject and keywords. `general/data_collection` is left to the writer, which writes it on commit
    /// (the solver's statistics are known only when the run ends). Returns `/general`.
    func writeNWBSession(_ m: NWBMetadata) throws(NWBError) -> hid_t {
        let root = self.root
        try attribute("namespace", "core", on: root)
        try attribute("neurodata_type", "NWBFile", on: root)
        try attribute("nwb_version", NWBTraceWriter.nwbVersion, on: root)
        try attribute("object_id", UUID().uuidString.lowercased(), on: root)
        let start = Self.iso8601(m.sessionStartTime)
        try strings("session_description", [m.sessionDescription], array: false, in: root)
        try strings("identifier", [m.identifier], array: false, in: root)
        try strings("session_start_time", [start], array: false, in: root)
        try strings("timestamps_reference_time", [start], array: false, in: root)
        try strings("file_create_date", [Self.iso8601(Date())], array: true, in: root)
        _ = try group("analysis", in: root)
        _ = try group("processing", in: root)
        let stimulus = try group("stimulus", in: root)
        _ = try group("presentation", in: stimulus)
        _ = try group("templates", in: stimulus)
        let general = try group("general", in: root)
        if let s = m.experimentDescription { try strings("experiment_description", [s], array: false, in: general) }
        if let s = m.notes { try strings("notes", [s], array: false, in: general) }
        if let s = m.protocolText { try strings("protocol", [s], array: false, in: general) }
        if let s = m.sourceScript {
            let d = try strings("source_script", [s], array: false, in: general)
            try attribute("file_name", m.sourceScriptFileName ?? "", on: d)
        }
        let subject = try group("subject", in: general)
        try attribute("namespace", "core", on: subject)
        try attribute("neurodata_type", "Subject", on: subject)
        try attribute("object_id", UUID().uuidString.lowercased(), on: subject)
        try strings("subject_id", [m.subject.subjectID], array: false, in: subject)
        try strings("description", [m.subject.description], array: false, in: subject)
        try strings("sex", [m.subject.sex], array: false, in: subject)
        try strings("date_of_birth", [start], array: false, in: subject)
        if let species = m.subject.species { try strings("species", [species], array: false, in: subject) }
        if !m.keywords.isEmpty { try strings("keywords", m.keywords, array: true, in: general) }
        if !m.relatedPublications.isEmpty { try strings("related_publications", m.relatedPublications, array: true, in: general) }
        return general
    }

    /// ISO 8601 with milliseconds and the UTC offset (NWB requires a time zone).
    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(secondsFromGMT: 0)
        return f.string(from: date)
    }
}
