package web

import (
	"os"
	"strings"
	"testing"
)

// TestStylesheetBlocks checks that every block of hookd.css is closed, and
// that each section (a comment at the start of a line) starts outside any
// block: a section whose @media lost its closing brace applies its rules,
// and those of every section after it, only on phones.
func TestStylesheetBlocks(t *testing.T) {
	css, err := os.ReadFile("static/hookd.css")
	if err != nil {
		t.Fatal(err)
	}
	depth := 0
	for i, line := range strings.Split(string(css), "\n") {
		if strings.HasPrefix(line, "/*") && depth > 0 {
			t.Errorf("hookd.css:%d: a section starts inside a block (depth %d): %s", i+1, depth, line)
		}
		code := line
		if j := strings.Index(code, "/*"); j >= 0 { // comments hold no braces that count
			if k := strings.Index(code[j:], "*/"); k >= 0 {
				code = code[:j] + code[j+k+2:]
			}
		}
		depth += strings.Count(code, "{") - strings.Count(code, "}")
		if depth < 0 {
			t.Fatalf("hookd.css:%d: a } closes no block", i+1)
		}
	}
	if depth != 0 {
		t.Errorf("hookd.css ends with %d blocks open", depth)
	}
}
