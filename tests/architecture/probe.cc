// The architecture tests compile this file (-fsyntax-only) with one module's include path and
// PROBE_HEADER naming a header: one of that module or of a module below it must compile, one of
// a module above it must not be found. That is what makes a wrong-way include fail to build.
#include PROBE_HEADER
