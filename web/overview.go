package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookd/hookd"
)

// overviewView is the data of the operator's overview.
type overviewView struct {
	*hookd.Overview
	Chart chart
	// Failing and Disabled count the troubled webhooks of each kind;
	// Capped says the API listed as many as it lists, so there may be more.
	Failing, Disabled int
	Capped            bool
	Now               time.Time
}

// overview shows the operator every workspace at a glance: attempts per
// minute, pending and due deliveries, and the webhooks in trouble.
func (h *handler) overview(w http.ResponseWriter, r *request) {
	var o hookd.Overview
	if err := h.api(r, "GET", "/v1/overview", nil, nil, &o); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "overview", title: "Overview", nav: "overview", data: newOverviewView(&o, r.now)})
}

// newOverviewView sums o up for its page.
func newOverviewView(o *hookd.Overview, now time.Time) overviewView {
	v := overviewView{Overview: o, Chart: newChart(o.Minutes), Capped: len(o.Troubled) >= hookd.OverviewTroubled, Now: now}
	for _, t := range o.Troubled {
		if t.Status == hookd.WebhookDisabled {
			v.Disabled++
		} else {
			v.Failing++
		}
	}
	return v
}

// chart is the overview's bar chart of attempts per minute, drawn as an
// inline SVG whose sizes are attributes (the CSP forbids style ones).
// Its user space is chartWidth × chartHeight, stretched to the page's
// width.
type chart struct {
	Bars []chartBar
	// Max is the most attempts of one minute: the top of the scale.
	Max               int
	Succeeded, Failed int
	// From and To label the first minute and the last (which holds now).
	From, To      string
	Width, Height int
	// Label sums the chart up for screen readers.
	Label string
}

// chartBar is one minute: the succeeded attempts at the bottom, the
// failed ones stacked above, in SVG units.
type chartBar struct {
	X, W       int
	OkY, OkH   int
	BadY, BadH int
	// Label says the minute and its counts, shown on hover.
	Label string
}

// Sizes of the chart's user space: a bar and its gap per minute.
const (
	chartBarWidth = 10
	chartBarGap   = 2
	chartHeight   = 120
)

// newChart draws minutes, oldest first.
func newChart(minutes []hookd.MinuteCount) chart {
	c := chart{Width: len(minutes) * chartBarWidth, Height: chartHeight}
	if c.Width == 0 {
		c.Width = hookd.OverviewMinutes * chartBarWidth
	}
	for _, m := range minutes {
		c.Max = max(c.Max, m.Succeeded+m.Failed)
		c.Succeeded += m.Succeeded
		c.Failed += m.Failed
	}
	if len(minutes) > 0 {
		c.From, c.To = minutes[0].Start.UTC().Format("15:04"), minutes[len(minutes)-1].Start.UTC().Format("15:04 UTC")
	}
	for i, m := range minutes {
		b := chartBar{X: i*chartBarWidth + chartBarGap/2, W: chartBarWidth - chartBarGap,
			Label: fmt.Sprintf("%s UTC: %d succeeded, %d failed", m.Start.UTC().Format("15:04"), m.Succeeded, m.Failed)}
		if c.Max > 0 {
			total := barHeight(m.Succeeded+m.Failed, c.Max)
			b.OkH = barHeight(m.Succeeded, c.Max)
			b.BadH = total - b.OkH
			if m.Failed > 0 && b.BadH == 0 { // a failure always shows
				b.BadH = 1
				if b.OkH > 1 {
					b.OkH--
				}
			}
		}
		b.OkY = chartHeight - b.OkH
		b.BadY = b.OkY - b.BadH
		c.Bars = append(c.Bars, b)
	}
	c.Label = fmt.Sprintf("Attempts per minute over the last %d minutes: %d succeeded, %d failed; the busiest minute had %d.",
		len(minutes), c.Succeeded, c.Failed, c.Max)
	return c
}

// barHeight scales n of max to the chart's height, rounded, and at least
// one unit when n is not 0 so that a single attempt shows.
func barHeight(n, top int) int {
	if n <= 0 {
		return 0
	}
	return min(chartHeight, max(1, (n*chartHeight+top/2)/top))
}
