//! The kastore container: reading items without copying, and writing them back.
//! (To be filled in: reader, writer, and TableCollection <-> kastore.)
