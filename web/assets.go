package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded stylesheet, script and images under names
// that carry a hash of their content, so that browsers may keep them for a
// year: a new build gets new names.
type assets struct {
	// names maps a file's name (hookd.css) to its hashed name
	// (hookd.3f2a9c1e.css); files maps the hashed name to the content.
	names map[string]string
	files map[string][]byte
}

func loadAssets() (*assets, error) {
	a := &assets{names: map[string]string{}, files: map[string][]byte{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a.names[name] = hashed
		a.files[hashed] = b
		return nil
	})
	return a, err
}

// path returns the URL of the asset named name.
func (a *assets) path(name string) string {
	return "/ui/static/" + a.names[name]
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/ui/static/")
	b, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}
