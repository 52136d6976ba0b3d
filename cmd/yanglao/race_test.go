//go:build race

package main

// raceEnabled: under the race detector the whole shipped region tree takes
// ~40 s to import, so serve tests use the fixture tree instead.
const raceEnabled = true
