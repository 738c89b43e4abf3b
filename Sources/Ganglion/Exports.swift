// The umbrella module: `import Ganglion` gives the whole toolkit.
@_exported import GanglionCore
@_exported import GanglionCVODE
@_exported import GanglionModels
@_exported import GanglionIO
@_exported import GanglionNWB
