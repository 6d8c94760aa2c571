package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed templates
var templateFS embed.FS

// pages holds every page's template: the shared layout and partials, and
// the page's own file.
type pages struct {
	byName map[string]*template.Template
}

// loadPages parses every templates/*.html page with the layout and the
// partials.
func loadPages(static *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset":     static.path,
		"time":      formatTime,
		"stamp":     formatStamp,
		"ago":       ago,
		"pretty":    prettyJSON,
		"join":      strings.Join,
		"statusTag": statusTag,
		"httpClass": httpClass,
		"add":       func(a, b int) int { return a + b },
		"deref":     deref,
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// view is what every page's template gets: the page's own data in Data,
// and what the layout needs.
type view struct {
	Title string
	Sess  *session
	// CSRF is the token every state-changing form carries.
	CSRF string
	// Flash is a message left by the action that redirected here.
	Flash string
	// Workspace is the workspace the page is in, "" outside one.
	Workspace string
	// Nav names the navigation entry of the page.
	Nav  string
	Data any
}

// page describes one rendering of a template.
type page struct {
	name      string
	title     string
	workspace string
	nav       string
	data      any
}

// render writes the page with status.
func (h *handler) render(w http.ResponseWriter, r *request, status int, p page) {
	t := h.pages.byName[p.name]
	if t == nil {
		h.log.Error("web: no such template", "name", p.name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := view{Title: p.title, Sess: r.sess, CSRF: r.csrf, Workspace: p.workspace, Nav: p.nav, Data: p.data}
	if c, err := r.Cookie(flashCookie); err == nil {
		v.Flash = c.Value
		fc := h.cookie(flashCookie, "", time.Time{})
		fc.MaxAge = -1
		http.SetCookie(w, fc)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("web: render", "page", p.name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Message string
}

// renderError writes the error page.
func (h *handler) renderError(w http.ResponseWriter, r *request, status int, msg string) {
	h.render(w, r, status, page{name: "error", title: http.StatusText(status), data: errorView{Status: status, Message: msg}})
}

// redirect sends the browser to url after an action, with a message for
// the next page.
func (h *handler) redirect(w http.ResponseWriter, r *request, url, flash string) {
	if flash != "" {
		http.SetCookie(w, h.cookie(flashCookie, flashValue(flash), time.Time{}))
	}
	http.Redirect(w, r.Request, url, http.StatusSeeOther)
}

// flashValue makes msg safe as a cookie value: printable ASCII without
// quotes, semicolons or backslashes.
func flashValue(msg string) string {
	return strings.Map(func(c rune) rune {
		if c < 0x20 || c > 0x7e || c == '"' || c == ';' || c == '\\' {
			return '_'
		}
		return c
	}, msg)
}

// formatTime shows t in UTC to the second.
func formatTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04:05 UTC")
	case *time.Time:
		if v == nil {
			return ""
		}
		return formatTime(*v)
	}
	return ""
}

// formatStamp shows t in UTC to the second without the zone, for tables
// whose heading says UTC.
func formatStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// ago says how long before now t was, roughly.
func ago(now time.Time, t time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	default:
		s = fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// prettyJSON indents JSON for reading; anything else is shown as it is.
func prettyJSON(v any) string {
	var raw []byte
	switch b := v.(type) {
	case json.RawMessage:
		raw = b
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		raw, _ = json.Marshal(v)
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return unescapeHTMLChars(buf.String())
}

// unescapeHTMLChars turns the \u003c, \u003e and \u0026 that Go's JSON
// encoder writes for <, > and & back into those characters, so that a
// payload reads as it was sent (the page escapes it for HTML). Other
// escapes stay as they are.
func unescapeHTMLChars(s string) string {
	if !strings.Contains(s, `\u00`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == 'u' && i+6 <= len(s) {
			switch strings.ToLower(s[i+2 : i+6]) {
			case "003c", "003e", "0026":
				n, _ := strconv.ParseUint(s[i+2:i+6], 16, 8)
				b.WriteByte(byte(n))
				i += 5
				continue
			}
		}
		b.WriteString(s[i : i+2]) // an escape and what it escapes
		i++
	}
	return b.String()
}

// statusTag is the CSS class of a webhook's or delivery's status.
func statusTag(status string) string {
	switch status {
	case "active", "succeeded":
		return "tag tag-ok"
	case "failed", "disabled":
		return "tag tag-bad"
	case "pending":
		return "tag tag-wait"
	}
	return "tag"
}

// httpClass is the CSS class of an HTTP status code.
func httpClass(code any) string {
	var c int
	switch v := code.(type) {
	case int:
		c = v
	case *int:
		if v == nil {
			return "tag"
		}
		c = *v
	}
	if c >= 200 && c < 300 {
		return "tag tag-ok"
	}
	return "tag tag-bad"
}

// deref returns what p points to, or zero.
func deref(p any) any {
	switch v := p.(type) {
	case *int:
		if v != nil {
			return *v
		}
		return 0
	case *float64:
		if v != nil {
			return *v
		}
		return 0.0
	case *string:
		if v != nil {
			return *v
		}
		return ""
	case *time.Time:
		if v != nil {
			return *v
		}
		return time.Time{}
	}
	return p
}
