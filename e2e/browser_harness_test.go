package e2e

// The browser harness: tests drive Debian's Chromium through hookd's pages
// with chromedp. newBrowser starts one headless Chromium for a test and
// returns its first tab; the tab's methods are the steps of a page flow, each
// bounded by browserStep and failing the test with what it was doing.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	// browserStart bounds Chromium's start, and the opening of each tab.
	browserStart = 30 * time.Second
	// browserStep bounds each step of a tab (a navigation, a wait for a
	// selector, a click), so that a page that never shows what the test
	// waits for fails the test instead of hanging it.
	browserStep = 30 * time.Second
	// browserClose bounds the graceful close of Chromium at the end of a
	// test; after it Chromium is killed.
	browserClose = 10 * time.Second
	// screenHeight is the viewport's height at both widths. Screenshots
	// take the whole page, whatever its height.
	screenHeight = 900
	// maxShotHeight caps a full-page screenshot's height (Chromium fails
	// on very tall captures; a page that long is a finding anyway).
	maxShotHeight = 8000
)

// Widths at which pages must work and screenshots are taken: a laptop and
// a phone (an iPhone 12 to 15 is 390 CSS px wide).
const (
	desktopWidth = 1280
	phoneWidth   = 390
)

// chromiumPath returns the Chromium to drive: $HOOKD_TEST_CHROMIUM, else
// chromium or chromium-browser on PATH. When there is none it skips the
// test, saying how to install one, unless CI=true, where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	var looked string
	if p := os.Getenv("HOOKD_TEST_CHROMIUM"); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
		looked = "HOOKD_TEST_CHROMIUM=" + p + ", which is not an executable"
	} else {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if path, err := exec.LookPath(name); err == nil {
				return path
			}
		}
		looked = "chromium and chromium-browser are not on PATH"
	}
	msg := fmt.Sprintf("no browser for the browser tests (%s): install Debian's Chromium (apt-get install chromium) or point HOOKD_TEST_CHROMIUM at a Chromium binary", looked)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true requires it")
	}
	t.Skip(msg + "; skipping (under CI=true this fails instead)")
	return ""
}

// chromiumOptions are the flags Chromium runs with: chromedp's defaults
// (headless, no first-run pages, no extensions, no background throttling),
// then what a test run needs, and what keeps Chromium off the network:
// only 127.0.0.1 resolves, and the services that call home are off.
func chromiumOptions(path, dataDir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dataDir),
		chromedp.NoSandbox, // tests run as root in CI, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.WindowSize(desktopWidth, screenHeight),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("font-render-hinting", "none"), // the same glyphs on every machine

		// No network but loopback. Every host name fails to resolve except
		// 127.0.0.1 (where the tests' servers listen); the rest stops the
		// background traffic of a fresh profile.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions"),
	)
}

// writeProfile writes the preferences of the fresh profile in dataDir:
// no "web service to help resolve navigation errors", whose error page for
// a name that does not resolve (every name but 127.0.0.1, see
// chromiumOptions) asks the system's resolver and 8.8.8.8 for google.com
// (strace shows it; no flag turns it off).
func writeProfile(t *testing.T, dataDir string) {
	t.Helper()
	prefs := `{"alternate_error_pages": {"enabled": false}}`
	if err := os.MkdirAll(filepath.Join(dataDir, "Default"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "Default", "Preferences"), []byte(prefs), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tab is one browser tab that a test drives. Its methods fail the test
// when their step fails or takes longer than browserStep.
type tab struct {
	t     *testing.T
	ctx   context.Context // the tab's chromedp context, without a deadline
	width int             // the viewport's current width
	shots string          // where screenshots go; set by the first one
	seen  *pageEvents
}

// pageEvents is what the pages of a tab did that tests assert on. Listen
// fills it from the tab's event loop, in the order Chromium reports.
type pageEvents struct {
	mu sync.Mutex
	// script: signs that a page ran script it should not have: JavaScript
	// dialogs (alert, confirm, prompt: dismissed at once), Content Security
	// Policy violations and uncaught exceptions.
	script []string
	// console: every other console error, such as a failed subresource.
	console []string
}

func (e *pageEvents) add(to *[]string, msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	*to = append(*to, msg)
}

// newBrowser starts a headless Chromium with a fresh profile in a temp dir
// and returns its first tab, 1280 px wide. Chromium is closed, and must
// have exited with every child process, when the test ends. Without a
// Chromium the test is skipped (CI=true: fails); see chromiumPath.
func newBrowser(t *testing.T) *tab {
	t.Helper()
	path := chromiumPath(t)
	dataDir := t.TempDir()
	writeProfile(t, dataDir)
	output := &syncBuffer{} // Chromium's stdout and stderr, shown when a test fails
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromiumOptions(path, dataDir), chromedp.CombinedOutput(output))...)
	tb := &tab{t: t, seen: &pageEvents{}}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(tb.listen))
	cancel := sync.OnceFunc(cancelTab) // it waits for the browser: once only
	tb.ctx = ctx
	t.Cleanup(func() {
		tb.wantNoScript()
		closing := time.Now()
		cctx, ccancel := context.WithTimeout(ctx, browserClose)
		err := chromedp.Cancel(cctx) // Browser.close, then waits for the process
		ccancel()
		cancel()
		cancelAlloc() // kills Chromium if it still runs, and waits for it
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("closing chromium: %v", err)
		}
		t.Logf("chromium closed in %s", time.Since(closing).Round(time.Millisecond))
		if left := leftoverProcesses(dataDir); len(left) > 0 {
			t.Errorf("chromium left processes behind after it closed (killed now): %v", left)
			for _, pid := range left {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if t.Failed() {
			t.Logf("chromium's output, without its D-Bus complaints:\n%s", chromiumLog(output.String()))
		}
	})
	start := time.Now()
	if err := openTab(ctx, cancel); err != nil {
		t.Fatalf("starting chromium (%s): %v", path, err)
	}
	t.Logf("chromium started in %s", time.Since(start).Round(time.Millisecond))
	tb.setWidth(desktopWidth)
	return tb
}

// openTab runs the first (empty) action of a chromedp context, which starts
// the browser or opens the tab. That first run binds the tab's life to its
// context, so it must not carry a deadline: a timer cancels the context
// instead when it takes longer than browserStart.
func openTab(ctx context.Context, cancel context.CancelFunc) error {
	timer := time.AfterFunc(browserStart, cancel)
	err := chromedp.Do(ctx)
	if !timer.Stop() {
		return fmt.Errorf("not ready within %s (%v)", browserStart, err)
	}
	return err
}

// newTab opens another tab in tb's browser and profile: it shares tb's
// cookies, so it has the same sessions. It closes when the test ends.
func (tb *tab) newTab() *tab {
	tb.t.Helper()
	return tb.addTab(false)
}

// newSession opens a tab in a new browser context of tb's browser, like a
// private window: no cookies, so no session; it shares nothing with tb. Use
// it for a second user (the operator beside a portal tenant).
func (tb *tab) newSession() *tab {
	tb.t.Helper()
	return tb.addTab(true)
}

// addTab opens a tab in tb's browser, in a new browser context if
// newContext, else in tb's.
func (tb *tab) addTab(newContext bool) *tab {
	tb.t.Helper()
	nt := &tab{t: tb.t, seen: &pageEvents{}}
	opts := []chromedp.ContextOption{chromedp.WithListener(nt.listen)}
	if newContext {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancelTab := chromedp.NewContext(tb.ctx, opts...)
	cancel := sync.OnceFunc(cancelTab)
	nt.ctx = ctx
	tb.t.Cleanup(func() {
		nt.wantNoScript()
		cancel() // closes the tab (and its browser context)
	})
	if err := openTab(ctx, cancel); err != nil {
		tb.t.Fatalf("opening a tab: %v", err)
	}
	nt.setWidth(desktopWidth)
	return nt
}

// listen records the events of pageEvents. It runs in the tab's event
// loop, so it only records, and leaves the dismissal of a dialog (a
// command) to a goroutine.
func (tb *tab) listen(ev any) {
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		tb.seen.add(&tb.seen.script, fmt.Sprintf("a JavaScript %s dialog opened on %s: %q", ev.Type, ev.URL, ev.Message))
		go func() { // the page is blocked until the dialog is answered
			ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
			defer cancel()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		tb.seen.add(&tb.seen.script, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		tb.recordConsole("console.error: " + strings.Join(parts, " "))
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		tb.recordConsole(fmt.Sprintf("%s (%s)", ev.Entry.Text, ev.Entry.URL))
	}
}

func (tb *tab) recordConsole(msg string) {
	if strings.Contains(msg, "Content Security Policy") {
		tb.seen.add(&tb.seen.script, "CSP violation: "+msg)
		return
	}
	tb.seen.add(&tb.seen.console, msg)
}

// scriptProblems returns, and forgets, the signs of script that ran or
// tried to run where it should not since the last call: JavaScript
// dialogs, CSP violations and uncaught exceptions.
func (tb *tab) scriptProblems() []string {
	tb.seen.mu.Lock()
	defer tb.seen.mu.Unlock()
	p := tb.seen.script
	tb.seen.script = nil
	return p
}

// consoleErrors returns, and forgets, the console errors other than
// scriptProblems since the last call (failed loads, console.error).
func (tb *tab) consoleErrors() []string {
	tb.seen.mu.Lock()
	defer tb.seen.mu.Unlock()
	c := tb.seen.console
	tb.seen.console = nil
	return c
}

// wantNoScript fails the test if a page of the tab opened a JavaScript
// dialog, broke its Content-Security-Policy or threw, since the last check:
// the signs that data was run as script. Every tab runs it when the test
// ends; call it after a page that shows outside data to fail right there.
func (tb *tab) wantNoScript() {
	tb.t.Helper()
	for _, p := range tb.scriptProblems() {
		tb.t.Errorf("page ran script it should not have: %s", p)
	}
}

// do runs actions within browserStep and fails the test, saying what it was
// doing, when they fail. The other methods are built on it; use it for a
// chromedp step that has no method.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tabRun(tb, what, chromedp.Steps(actions...))
}

// tabRun runs an action that returns a value within browserStep, and
// fails the test, saying what it was doing, when it fails.
func tabRun[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("browser: %s: %v (on %s)", what, err, tb.where())
	}
	return v
}

// where is the tab's URL for error messages, or why it cannot be read.
func (tb *tab) where() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "an unknown page: " + err.Error()
	}
	return u
}

// open loads url, waits until the element sel (a CSS selector; "" for
// none) is visible, and returns the HTTP status of the document.
func (tb *tab) open(url, sel string) int {
	tb.t.Helper()
	resp := tabRun(tb, "open "+url, chromedp.NavigateResponse(url))
	if sel != "" {
		tb.waitVisible(sel)
	}
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// waitVisible waits until an element that sel matches is visible.
func (tb *tab) waitVisible(sel string) {
	tb.t.Helper()
	tb.do("wait for "+sel+" to be visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

// waitGone waits until no element matches sel.
func (tb *tab) waitGone(sel string) {
	tb.t.Helper()
	tb.do("wait for "+sel+" to go", chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

// fill empties the input or textarea sel and types value into it, key by
// key, as a user does.
func (tb *tab) fill(sel, value string) {
	tb.t.Helper()
	tb.do(fmt.Sprintf("fill %s with %q", sel, value),
		chromedp.WaitVisible(chromedp.CSS(sel)),
		// Not Clear, which fails on an empty <textarea> (it has no text
		// node to remove), nor SetValue "" (chromedp reads its "" result
		// back as a failure).
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).value = ""`, jsString(sel))),
		chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose sets the value of the <select> sel (the value of one of its
// options) and fires its change event.
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	tb.do(fmt.Sprintf("choose %q in %s", value, sel),
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.SetValue(chromedp.CSS(sel), value)) // which fires input and change
}

// click clicks the element sel with the mouse, once it is visible, and
// returns at once. After a click that loads a page, use clickAndWait.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// clickAndWait clicks sel, waits for the page the click loads (a link, a
// form's submit button; after redirects, the page they end on) and returns
// its HTTP status. A click that loads no page fails after browserStep.
func (tb *tab) clickAndWait(sel string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		tb.t.Fatalf("browser: click %s and wait for the next page: %v (on %s)", sel, err, tb.where())
	}
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// text returns the visible text (innerText) of the first element sel
// matches, waiting for one to exist.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return tabRun(tb, "read the text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// texts returns the visible text of every element sel matches now, in
// document order; none gives an empty slice.
func (tb *tab) texts(sel string) []string {
	tb.t.Helper()
	return tabRun(tb, "read the texts of "+sel, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%s), e => e.innerText)`, jsString(sel))))
}

// value returns the current value of the form field sel.
func (tb *tab) value(sel string) string {
	tb.t.Helper()
	return tabRun(tb, "read the value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// attr returns the attribute name of the first element sel matches, and
// "" when it has none.
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	return tabRun(tb, "read "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// location returns the tab's current URL.
func (tb *tab) location() string {
	tb.t.Helper()
	return tabRun(tb, "read the location", chromedp.Location())
}

// pageText is the visible text of the whole page.
func (tb *tab) pageText() string {
	tb.t.Helper()
	return tabRun(tb, "read the page's text", chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
}

// wantText fails the test unless the page's visible text contains each of
// want.
func (tb *tab) wantText(want ...string) {
	tb.t.Helper()
	text := tb.pageText()
	for _, w := range want {
		if !strings.Contains(text, w) {
			tb.t.Errorf("page %s does not show %q; its text:\n%s", tb.where(), w, tail(text, 2000))
		}
	}
}

// wantNoText fails the test if the page's visible text contains any of
// unwanted.
func (tb *tab) wantNoText(unwanted ...string) {
	tb.t.Helper()
	text := tb.pageText()
	for _, u := range unwanted {
		if strings.Contains(text, u) {
			tb.t.Errorf("page %s shows %q; its text:\n%s", tb.where(), u, tail(text, 2000))
		}
	}
}

// setWidth sets the viewport to width CSS px (screenHeight high): 390 and
// less emulate a phone (mobile: the page's <meta name=viewport> applies,
// touch events), wider a desktop.
func (tb *tab) setWidth(width int) {
	tb.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if width <= phoneWidth {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	tb.do(fmt.Sprintf("set the viewport to %d px", width), chromedp.EmulateViewport(int64(width), screenHeight, opts...))
	tb.width = width
}

// screenshotName is what a screenshot's name may be: it becomes a file
// name under docs/screenshots.
var screenshotName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// screenshot saves a full-page PNG of the tab at its current width as
// <name>-<width>.png and returns its path. With HOOKD_SCREENSHOTS=1 it goes
// to docs/screenshots/ in the repository (to be committed); otherwise to a
// temp dir, so that a test run leaves the tree alone but still takes, and
// checks, every screenshot. It fails the test if the page is wider than the
// viewport (it would scroll sideways).
func (tb *tab) screenshot(name string) string {
	tb.t.Helper()
	if !screenshotName.MatchString(name) {
		tb.t.Fatalf("screenshot name %q: want lower-case words joined by '-'", name)
	}
	if tb.shots == "" {
		tb.shots = tb.t.TempDir()
		if os.Getenv("HOOKD_SCREENSHOTS") == "1" {
			tb.shots = filepath.Join("..", "docs", "screenshots") // go test runs in e2e/
			if err := os.MkdirAll(tb.shots, 0o755); err != nil {
				tb.t.Fatal(err)
			}
		}
	}
	tb.wantFits()
	var shot []byte
	for try := 1; ; try++ {
		shot = tabRun(tb, fmt.Sprintf("take a screenshot at %d px", tb.width), fullPage(tb.width))
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			tb.t.Fatalf("screenshot %s: not a PNG: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != tb.width || b.Dy() < 1 {
			tb.t.Fatalf("screenshot %s: %dx%d px; want %d px wide", name, b.Dx(), b.Dy(), tb.width)
		}
		// Chromium now and then leaves part of a tall capture unpainted:
		// a band of pure white across the whole width, which no page of
		// hookd's has. Take it again.
		at, rows := blankBand(img)
		if rows < blankRows {
			break
		}
		if try == 3 {
			tb.t.Errorf("screenshot %s at %d px: %d blank rows from y=%d, in each of %d tries", name, tb.width, rows, at, try)
			break
		}
		tb.t.Logf("screenshot %s at %d px: %d blank rows from y=%d; taking it again", name, tb.width, rows, at)
	}
	path := filepath.Join(tb.shots, fmt.Sprintf("%s-%d.png", name, tb.width))
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	return path
}

// screenshots saves the page at both widths (name-1280.png and
// name-390.png; see screenshot), and leaves the tab at 1280 px. The page
// is not reloaded: at 390 px it is what a phone shows after a rotation,
// and a page whose layout depends on its first width shows it here.
func (tb *tab) screenshots(name string) {
	tb.t.Helper()
	for _, w := range []int{desktopWidth, phoneWidth} {
		tb.setWidth(w)
		tb.screenshot(name)
	}
	tb.setWidth(desktopWidth)
}

// wantFits fails the test if the page is wider than the viewport, so that
// it scrolls sideways at this width.
func (tb *tab) wantFits() {
	tb.t.Helper()
	w := tabRun(tb, "measure the page's width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if w > tb.width {
		hint := ""
		if tb.width <= phoneWidth {
			hint = ` (without <meta name="viewport" content="width=device-width, initial-scale=1"> a phone lays a page out 980 px wide)`
		}
		tb.t.Errorf("page %s is %d px wide at a %d px viewport: it scrolls sideways%s", tb.where(), w, tb.width, hint)
	}
}

// blankRows is the height of a band of white rows that makes a screenshot
// suspect (the top bar and the phone's navigation strip are far less).
const blankRows = 120

// blankBand returns where the longest run of rows that are white across
// the whole image starts, and how many rows it has.
func blankBand(img image.Image) (at, rows int) {
	b := img.Bounds()
	run := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		white := true
		for x := b.Min.X; x < b.Max.X && white; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			white = r == 0xffff && g == 0xffff && bl == 0xffff
		}
		if !white {
			run = 0
			continue
		}
		run++
		if run > rows {
			at, rows = y-run+1, run
		}
	}
	return at, rows
}

// fullPage captures the whole page, width CSS px wide and as high as its
// content (at most maxShotHeight), once its fonts have loaded.
func fullPage(width int) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)(ctx, t); err != nil {
			return nil, fmt.Errorf("wait for fonts: %w", err)
		}
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		height := float64(screenHeight)
		if m.CSSContentSize != nil {
			height = math.Max(1, math.Min(math.Ceil(m.CSSContentSize.Height), maxShotHeight))
		}
		res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: float64(width), Height: height, Scale: 1},
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
		})
		return res.Data, err
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// chromiumLog is the last 40 lines of Chromium's output, without the
// lines about D-Bus, which it cannot reach in a container and says so at
// every start.
func chromiumLog(out string) string {
	var keep []string
	for line := range strings.Lines(out) {
		if !strings.Contains(line, "dbus/") {
			keep = append(keep, line)
		}
	}
	if len(keep) > 40 {
		keep = keep[len(keep)-40:]
	}
	return strings.Join(keep, "")
}

// leftoverProcesses lists the processes still running with the user data
// dir dataDir, which only the test's Chromium and its children have: none
// should be left once it closed. It waits a little for them to exit.
func leftoverProcesses(dataDir string) []int {
	want := []byte("--user-data-dir=" + dataDir + "\x00")
	var left []int
	for range 50 { // 50 × 20 ms
		left = left[:0]
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err == nil && bytes.Contains(cmdline, want) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return left
}
