package web

// Routes returns the pattern ("GET /ui/…") and whether it is public, of
// every route, for the tests that walk them all.
func Routes() (patterns []string, public []bool) {
	for _, rt := range routeTable() {
		patterns = append(patterns, rt.pattern)
		public = append(public, rt.access == publicAccess())
	}
	return patterns, public
}

func publicAccess() access { return public }
