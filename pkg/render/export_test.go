package render

// SetRuleLimits lowers the default-deny chunk and rules-file budgets for a
// test and returns a function that restores them.
func SetRuleLimits(denyChunk, rulesFile int) (restore func()) {
	d, f := denyChunkBytes, rulesFileBytes
	denyChunkBytes, rulesFileBytes = denyChunk, rulesFile
	return func() { denyChunkBytes, rulesFileBytes = d, f }
}
