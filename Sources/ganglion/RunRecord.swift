import Foundation
import Ganglion

/// The record of a run (`ganglion run` or `ganglion network`), `run.json` in its output folder: written before
/// anything else, it holds everything `--resume` needs (the input file's text, the command's overrides, the
/// run's id).
struct RunRecord {
    /// What was run: an experiment file or a network file.
    enum Kind: String { case experiment, network }
    var kind: Kind
    /// `ganglion network --duration`, if given.
    var duration: Double?
    /// The record's file name in the output folder.
    static let name = "run.json"
    /// Identifies the run; every cell summary of the run carries it.
    var runID: String
    /// The experiment or network file's path when the run started (named in errors; relative paths in it are
    /// resolved against `inputFolder`).
    var inputFile: String
    /// The input file's folder.
    var inputFolder: String
    /// The input file's text, as read when the run started.
    var inputText: String
    /// `--profile`, if given.
    var profile: Profile?
    /// `--cells`, if given.
    var cells: Int?
    /// `--jobs`, if given.
    var jobs: Int?
    /// `--shard I/N` of a population run (given, or from a SLURM job array), if not the whole population.
    var shard: PopulationShard?
    /// `--solver`, `--dt`, `--exact-rates`, `--sundials-step-bounds`, if given.
    var solverOverrides: SolverOverrides
    /// The trace format.
    var format: TraceFormat
    /// When the run started.
    var started: Date

    init(kind: Kind = .experiment, duration: Double? = nil, runID: String, inputFile: String, inputFolder: String, inputText: String, profile: Profile?,
                cells: Int?, jobs: Int?, solverOverrides: SolverOverrides,
                format: TraceFormat, started: Date) {
        self.kind = kind
        self.duration = duration
        self.runID = runID
        self.inputFile = inputFile
        self.inputFolder = inputFolder
        self.inputText = inputText
        self.profile = profile
        self.cells = cells
        self.jobs = jobs
        self.shard = nil
        self.solverOverrides = solverOverrides
        self.format = format
        self.started = started
    }

    /// The record's path in `folder`.
    static func path(in folder: String) -> String { folder + "/" + name }

    /// The record as JSON, with the provenance of the process writing it.
    var data: Data {
        var o: [String: Any] = ["kind": kind.rawValue, "run_id": runID, "input_file": inputFile, "input_folder": inputFolder,
                                "input_text": inputText, "started": ISO8601DateFormatter().string(from: started),
                                "provenance": Provenance.current.jsonObject]
        if let duration { o["duration_ms"] = duration }
        if let profile { o["profile"] = profile.rawValue }
        if let cells { o["cells"] = cells }
        if let jobs { o["jobs"] = jobs }
        if let shard { o["shard"] = ["index": shard.index, "count": shard.count] }
        if let solver = solverOverrides.method { o["solver"] = solver.rawValue }
        if let dt = solverOverrides.dt { o["dt"] = dt }
        if solverOverrides.exactRates { o["exact_rates"] = true }
        if solverOverrides.sundialsStepBounds { o["sundials_step_bounds"] = true }
        if solverOverrides.localSteps { o["local_steps"] = true }
        if format != .csv { o["format"] = format.rawValue }
        return Data((JSONOutput.string(o, pretty: true) + "\n").utf8)
    }

    /// Reads a record; errors name the file and the field.
    init(_ data: Data, file: String) throws(ModelFileError) {
        func fail(_ field: String?, _ m: String) -> ModelFileError { ModelFileError(file: file, field: field, message: m) }
        let parsed: Any
        do { parsed = try JSONInput.parse(data) } catch {
            throw ModelFileError(file: file, field: error.field, message: (error.field == nil ? "not valid JSON: " : "") + error.message + "; the folder cannot be resumed",
                                 location: error.location)
        }
        guard let o = parsed as? [String: Any] else { throw fail(nil, "the top level must be a JSON object") }
        func string(_ k: String) throws(ModelFileError) -> String {
            guard let v = o[k] as? String else { throw fail(k, "missing or not a string: this is not a run record Ganglion can resume") }
            return v
        }
        func count(_ k: String) throws(ModelFileError) -> Int? {
            guard let v = o[k] else { return nil }
            guard let d = v as? Double, d >= 1, d <= 1e9, d == d.rounded() else { throw fail(k, "must be a whole number ≥ 1, got \(v)") }
            return Int(d)
        }
        guard let k = (o["kind"] as? String).flatMap(Kind.init(rawValue:)) else {
            throw fail("kind", "missing or unknown (experiment or network): this is not a run record Ganglion can resume")
        }
        kind = k
        if let d = o["duration_ms"] {
            guard let v = d as? Double, v.isFinite, v > 0 else { throw fail("duration_ms", "must be a number > 0, got \(d)") }
            duration = v
        } else { duration = nil }
        runID = try string("run_id")
        inputFile = try string("input_file")
        inputFolder = try string("input_folder")
        inputText = try string("input_text")
        if let p = o["profile"] {
            guard let v = (p as? String).flatMap(Profile.init(rawValue:)) else { throw fail("profile", "unknown profile \(p)") }
            profile = v
        } else { profile = nil }
        cells = try count("cells")
        jobs = try count("jobs")
        if let v = o["shard"] {
            guard let p = PopulationShard(json: v) else { throw fail("shard", "must be {\"index\": I, \"count\": N} with 0 ≤ I < N") }
            shard = p
        } else { shard = nil }
        var overrides = SolverOverrides()
        if let s = o["solver"] {
            guard let v = (s as? String).flatMap(SolverChoice.init(rawValue:)) else { throw fail("solver", "unknown solver \(s)") }
            overrides.method = v
        }
        if let d = o["dt"] {
            guard let v = d as? Double, v.isFinite, v > 0 else { throw fail("dt", "must be a number > 0, got \(d)") }
            overrides.dt = v
        }
        overrides.exactRates = o["exact_rates"] as? Bool ?? false
        overrides.sundialsStepBounds = o["sundials_step_bounds"] as? Bool ?? false
        overrides.localSteps = o["local_steps"] as? Bool ?? false
        solverOverrides = overrides
        if let f = o["format"] {
            guard let v = (f as? String).flatMap(TraceFormat.init(rawValue:)) else { throw fail("format", "unknown trace format \(f)") }
            format = v
        } else { format = .csv }
        let text = try string("started")
        guard let date = ISO8601DateFormatter().date(from: text) else { throw fail("started", "not an ISO 8601 time: \(text)") }
        started = date
    }

    /// The checkpoints of an interrupted run in `folder` (its own and its cells' or circuits'), described, or nil if none.
    static func interruptedRun(in folder: String) -> String? {
        let found = checkpoints(in: folder)
        guard !found.isEmpty else { return nil }
        return found.count == 1 ? found[0] : "\(found.count) checkpoints, e.g. \(found[0])"
    }

    /// Removes the checkpoints of an interrupted run in `folder` (when it is started over with `--force`).
    static func discardCheckpoints(in folder: String) {
        for c in checkpoints(in: folder) { unlink(c) }
    }

    static func checkpoints(in folder: String) -> [String] {
        var found: [String] = []
        let own = folder + "/checkpoint.json"
        if FileManager.default.fileExists(atPath: own) { found.append(own) }
        for members in ["cells", "circuits"] {
            let sub = folder + "/" + members
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: sub)) ?? []).sorted() {
                let c = sub + "/" + name + "/checkpoint.json"
                if FileManager.default.fileExists(atPath: c) { found.append(c) }
            }
        }
        return found
    }
}
