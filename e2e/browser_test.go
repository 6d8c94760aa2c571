package e2e

import (
	"context"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSmoke starts the real hookd binary and reads its /healthz in
// Chromium; once hookd serves /ui/login, it also opens that page at both
// widths and checks that it ran no script it should not have.
func TestBrowserSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium and the real binary; skipped with -short")
	}
	t.Parallel()
	tb := newBrowser(t)
	p := startProcess(t, t.TempDir()) // --dev

	start := time.Now()
	if status := tb.open(p.URL+"/healthz", "body"); status != http.StatusOK {
		t.Fatalf("GET /healthz in the browser: status %d; want 200", status)
	}
	t.Logf("first navigation took %s", time.Since(start).Round(time.Millisecond))
	tb.wantText(`"status":"ok"`)
	if got := tb.location(); got != p.URL+"/healthz" {
		t.Errorf("location %q; want %q", got, p.URL+"/healthz")
	}

	// The web UI is being written; until hookd serves /ui/login there is
	// no page to look at.
	resp, err := http.Get(p.URL + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Log("GET /ui/login: 404, no web UI in this tree yet: checked /healthz only")
		return
	}
	if status := tb.open(p.URL+"/ui/login", "form"); status != http.StatusOK {
		t.Fatalf("GET /ui/login in the browser: status %d; want 200", status)
	}
	tb.screenshots("login")
	tb.wantNoScript()
}

// TestBrowserHarness checks the harness itself against pages of a test
// server: the form steps, the detection of script that pages should not
// run (dialogs, CSP violations, exceptions), full-page screenshots at both
// widths, and that Chromium resolves no host name but 127.0.0.1.
func TestBrowserHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; skipped with -short")
	}
	t.Parallel()
	const head = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>t</title></head><body>`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, head+`<form action="/echo" method="post">
			<input id="name" name="name" value="old">
			<select id="color" name="color"><option value="red">Red</option><option value="green">Green</option></select>
			<button id="send" type="submit">Send</button></form></body></html>`)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		q := url.Values{"name": {r.PostFormValue("name")}, "color": {r.PostFormValue("color")}}
		http.Redirect(w, r, "/echoed?"+q.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /echoed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, head+`<p id="got">name=%s color=%s</p><ul><li>a</li><li>b</li></ul></body></html>`,
			html.EscapeString(r.FormValue("name")), html.EscapeString(r.FormValue("color")))
	})
	mux.HandleFunc("GET /alert", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, head+`<p id="p">x</p><script>alert("injected")</script></body></html>`)
	})
	mux.HandleFunc("GET /csp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		fmt.Fprint(w, head+`<p id="p">x</p><script>document.title = "ran"</script></body></html>`)
	})
	mux.HandleFunc("GET /throw", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, head+`<p id="p">x</p><script>throw new Error("boom")</script></body></html>`)
	})
	mux.HandleFunc("GET /tall", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, head+`<div id="p" style="height:3000px;background:linear-gradient(#fff,#36c)">tall</div></body></html>`)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "who", Value: "ada", Path: "/", HttpOnly: true})
		fmt.Fprint(w, head+`<p id="p">signed in</p></body></html>`)
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		who := "nobody"
		if c, err := r.Cookie("who"); err == nil {
			who = c.Value
		}
		fmt.Fprintf(w, head+`<p id="p">%s</p></body></html>`, html.EscapeString(who))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	tb := newBrowser(t)

	// Form steps: fill, choose, submit, read.
	tb.open(ts.URL+"/form", "#name")
	tb.fill("#name", "Ada <b>")
	tb.choose("#color", "green")
	if status := tb.clickAndWait("#send"); status != http.StatusOK {
		t.Errorf("submitting the form (303 to a page): status %d; want 200", status)
	}
	if got := tb.location(); !strings.HasPrefix(got, ts.URL+"/echoed?") {
		t.Errorf("after the form: location %q; want /echoed?…", got)
	}
	if got, want := tb.text("#got"), "name=Ada <b> color=green"; got != want {
		t.Errorf("after the form: %q; want %q", got, want)
	}
	if got := tb.texts("li"); strings.Join(got, ",") != "a,b" {
		t.Errorf("texts(li) = %q; want [a b]", got)
	}
	tb.wantText("name=Ada")
	tb.wantNoScript()

	// Each kind of script problem is seen, and the page goes on (an alert
	// is dismissed rather than left blocking it).
	for _, c := range []struct{ path, want string }{
		{"/alert", `JavaScript alert dialog opened`},
		{"/csp", `CSP violation`},
		{"/throw", `uncaught exception`},
	} {
		tb.open(ts.URL+c.path, "#p")
		got := strings.Join(tb.scriptProblems(), "\n")
		t.Logf("%s: %s", c.path, got)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: script problems %q; want one with %q", c.path, got, c.want)
		}
	}
	if title := tabRun(tb, "read the title", chromedp.Title()); title == "ran" {
		t.Error("/csp: the inline script ran despite the CSP")
	}

	// Screenshots: the whole page, at the width asked.
	tb.open(ts.URL+"/tall", "#p")
	tb.shots = t.TempDir() // never docs/screenshots, even with HOOKD_SCREENSHOTS=1
	for _, w := range []int{desktopWidth, phoneWidth} {
		tb.setWidth(w)
		f, err := os.Open(tb.screenshot("tall"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Width != w || cfg.Height < 3000 {
			t.Errorf("screenshot at %d px: %dx%d; want %d wide and the whole 3000 px page", w, cfg.Width, cfg.Height, w)
		}
	}
	tb.setWidth(desktopWidth)

	// No host name resolves but 127.0.0.1, so Chromium cannot reach the
	// network.
	ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Navigate("http://example.com/"))
	var le *chromedp.LoadError
	if !errors.As(err, &le) || !strings.Contains(le.ErrorText, "ERR_NAME_NOT_RESOLVED") {
		t.Errorf("opening http://example.com/: %v; want net::ERR_NAME_NOT_RESOLVED", err)
	}

	// A second tab shares the first one's cookies; a new session does not.
	tb.open(ts.URL+"/login", "#p")
	for _, c := range []struct {
		name string
		tab  *tab
		want string
	}{
		{"a new tab", tb.newTab(), "ada"},
		{"a new session", tb.newSession(), "nobody"},
		{"the first tab", tb, "ada"},
	} {
		c.tab.open(ts.URL+"/whoami", "#p")
		if got := c.tab.text("#p"); got != c.want {
			t.Errorf("%s: whoami %q; want %q", c.name, got, c.want)
		}
	}
}

// TestBlankBand checks the finder of unpainted bands in screenshots.
func TestBlankBand(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 400))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0xf5, 0xf6, 0xf8, 0xff}), image.Point{}, draw.Src)
	white := image.NewUniform(color.White)
	draw.Draw(img, image.Rect(0, 10, 10, 30), white, image.Point{}, draw.Src)   // 20 rows
	draw.Draw(img, image.Rect(0, 100, 10, 250), white, image.Point{}, draw.Src) // 150 rows
	draw.Draw(img, image.Rect(0, 300, 9, 399), white, image.Point{}, draw.Src)  // not the whole width
	if at, rows := blankBand(img); at != 100 || rows != 150 {
		t.Errorf("blankBand = %d rows from y=%d; want 150 from y=100", rows, at)
	}
}
