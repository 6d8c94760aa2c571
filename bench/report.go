package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes rep as a table a person can read: one line per figure,
// with its reference or target beside it.
func WriteTable(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "hookd bench: %s, %d webhooks, %d B payloads, concurrency %d, %d CPUs, %s, %s\n\n",
		rep.Database, rep.Webhooks, rep.Payload, rep.Concurrency, rep.CPUs, rep.GoVersion, rep.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintln(tw, "figure\tvalue\treference / detail\t")
	fmt.Fprintln(tw, "------\t-----\t------------------\t")
	if c := rep.Ceiling; c != nil {
		fmt.Fprintf(tw, "ceiling (plain Go HTTP, no hookd)\t%s req/s\t%d requests in %.1fs\t\n", num(c.PerSecond), c.Requests, c.Seconds)
	}
	if e := rep.EndToEnd; e != nil {
		ratio := "no ceiling measured"
		if e.RatioToCeiling > 0 {
			ratio = fmt.Sprintf("%.0f%% of the ceiling", 100*e.RatioToCeiling)
		}
		fmt.Fprintf(tw, "end to end, first publish to last delivery\t%s deliveries/s\t%s; %d deliveries in %.1fs\t\n", num(e.PerSecond), ratio, e.Deliveries, e.Seconds)
		fmt.Fprintf(tw, "  peak RSS\t%s\t\t\n", mb(e.PeakRSS))
		fmt.Fprintf(tw, "  hookd CPU per delivery\t%.0f µs\tuser and system time of hookd serve over the run\t\n", e.CPUPerDelivery)
	}
	if p := rep.Publish; p != nil {
		fmt.Fprintf(tw, "publish, batch API (durable)\t%s events/s\t%d events in batches of %d, %d deliveries each\t\n", num(p.BatchPerSecond), p.BatchEvents, p.BatchSize, rep.Webhooks)
		fmt.Fprintf(tw, "publish, single events (durable)\t%s events/s\t%d events from %d clients\t\n", num(p.SinglePerSecond), p.SingleEvents, p.SingleClients)
	}
	if sg := rep.Single; sg != nil {
		fmt.Fprintf(tw, "single events, fan-out 1, end to end\t%s events/s\t%d clients; %.0f%% of plain HTTP from %d clients (%s req/s); %d events in %.1fs\t\n",
			num(sg.PerSecond), sg.Clients, 100*sg.RatioToCeiling, sg.Clients, num(sg.Ceiling), sg.Events, sg.Seconds)
		fmt.Fprintf(tw, "  hookd CPU per event\t%.0f µs\tpeak RSS %s\t\n", sg.CPUPerEvent, mb(sg.PeakRSS))
	}
	if st := rep.Steady; st != nil {
		fmt.Fprintf(tw, "steady, %d single events/s to one webhook\t%.0f µs CPU per event\tidle time included; peak RSS %s\t\n",
			st.OfferedPerSecond, st.CPUPerEvent, mb(st.PeakRSS))
		fmt.Fprintf(tw, "  publish accepted to arrival\tp50 %.1f ms\tp99 %.1f ms, max %.1f ms; %d deliveries, %d missing\t\n",
			st.P50ms, st.P99ms, st.Maxms, st.Deliveries, st.Missing)
	}
	if l := rep.Latency; l != nil {
		fmt.Fprintf(tw, "latency, publish accepted to arrival\tp50 %.1f ms\t%d events/s offered (%s accepted), %d webhook(s), %d deliveries, %d missing\t\n",
			l.P50ms, l.OfferedPerSecond, num(l.AcceptedPerSecond), l.Webhooks, l.Deliveries, l.Missing)
		fmt.Fprintf(tw, "\tp99 %.1f ms\t\t\n", l.P99ms)
		fmt.Fprintf(tw, "\tmax %.1f ms\t\t\n", l.Maxms)
	}
	if i := rep.Isolation; i != nil {
		fmt.Fprintf(tw, "isolation, healthy webhooks' rate\t%s deliveries/s\t%.0f%% of all-healthy %s/s; %d of %d webhooks hang\t\n",
			num(i.PerSecond), 100*i.Ratio, num(i.Reference), i.Hanging, i.Hanging+i.Healthy)
		if o := i.OtherWorkspace; o != nil {
			fmt.Fprintf(tw, "  another workspace's latency\tp50 %.1f ms\tbeside a workspace with %d dead and %d throttled webhooks; %d events/s, %d deliveries, %d missing\t\n",
				o.P50ms, o.DeadWebhooks, o.ThrottledWebhooks, o.OfferedPerSecond, o.Deliveries, o.Missing)
			fmt.Fprintf(tw, "\tp99 %.1f ms\t\t\n", o.P99ms)
		}
	}
	if m := rep.Memory; m != nil {
		fmt.Fprintf(tw, "memory, peak RSS (VmHWM)\t%s\twith %d deliveries pending; %s RSS once loaded, %s max while draining\t\n",
			mb(m.PeakRSS), m.Backlog, mb(m.LoadedRSS), mb(m.DrainMaxRSS))
		fmt.Fprintf(tw, "  backlog load, batch API\t%s events/s\t%.1fs\t\n", num(m.LoadEventsPerSecond), m.LoadSeconds)
		fmt.Fprintf(tw, "  drain, first %d (full queue)\t%s deliveries/s\t%.0f%% of the last %d (nearly empty queue): %s/s\t\n",
			m.Window, num(m.FullPerSecond), 100*m.Ratio, m.Window, num(m.EmptyPerSecond))
		fmt.Fprintf(tw, "  drain, whole backlog\t%s deliveries/s\t%.1fs\t\n", num(m.DrainPerSecond), m.DrainSeconds)
	}
	if d := rep.Disable; d != nil {
		fmt.Fprintf(tw, "disable, webhook with %d pending\t%.1f s\tuntil the API answered, every delivery failed\t\n", d.Backlog, d.Seconds)
		fmt.Fprintf(tw, "  RSS, idle / peak during the disable\t%s / %s\t+%s; backlog loaded in %.1fs\t\n",
			mb(d.IdleRSS), mb(d.PeakRSS), mb(d.PeakRSS-d.IdleRSS), d.LoadSeconds)
		fmt.Fprintf(tw, "  single publishes during the disable\tmax %.0f ms\t%d published one after another\t\n", d.PublishMaxms, d.Publishes)
	}
	if h := rep.Hostile; h != nil {
		fmt.Fprintf(tw, "hostile batch, %s of [1,1,…] (%d elements)\t%.2f s\tanswered %d; peak RSS %s (%s idle)\t\n",
			mb(int64(h.BodyBytes)), h.Elements, h.OneSeconds, h.Status, mb(h.OnePeakRSS), mb(h.IdleRSS))
		fmt.Fprintf(tw, "  %d at once\t%.2f s\tpeak RSS %s\t\n", h.Concurrent, h.ConcurrentSeconds, mb(h.ConcurrentPeakRSS))
	}
	if u := rep.UI; u != nil {
		fmt.Fprintf(tw, "web UI, delivery log, first page\tp50 %.1f ms\tp95 %.1f ms, max %.1f ms; a webhook with %d deliveries; target 50 ms\t\n",
			u.FirstPage.P50ms, u.FirstPage.P95ms, u.FirstPage.Maxms, u.Deliveries)
		fmt.Fprintf(tw, "  page %d deliveries in\tp50 %.1f ms\tp95 %.1f ms, max %.1f ms; target 50 ms\t\n",
			u.DeepOffset, u.DeepPage.P50ms, u.DeepPage.P95ms, u.DeepPage.Maxms)
		fmt.Fprintf(tw, "web UI, overview\tp50 %.1f ms\tp95 %.1f ms, max %.1f ms; %d webhooks, %d failing or disabled; target 100 ms\t\n",
			u.Overview.P50ms, u.Overview.P95ms, u.Overview.Maxms, u.OverviewWebhooks, u.OverviewTroubled)
	}
	fmt.Fprintf(tw, "signatures checked (1 in %d)\t%d valid\t%d invalid\t\n", verifyEvery, rep.SignaturesVerified, rep.SignaturesInvalid)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		_, err := fmt.Fprintf(w, "\nerrors:\n  %s\n", strings.Join(rep.Errors, "\n  "))
		return err
	}
	return nil
}

// num formats a rate with thousands separators.
func num(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }
