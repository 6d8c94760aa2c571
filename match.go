package hookd

import "strings"

// Matches reports whether an event of type eventType on channels reaches
// webhook w: w is active, one of w.Events matches the type, and w.Channels is
// nil or shares a channel with the event. An event without channels does not
// reach a webhook that filters on channels.
func Matches(w *Webhook, eventType string, channels []string) bool {
	if w.Status != WebhookActive || !MatchesType(w.Events, eventType) {
		return false
	}
	if w.Channels == nil {
		return true
	}
	for _, c := range channels {
		for _, wc := range w.Channels {
			if c == wc {
				return true
			}
		}
	}
	return false
}

// MatchesType reports whether one of patterns matches eventType. A pattern is
// "*" (every type), a prefix ending in ".*" ("ticket.*" matches
// "ticket.created" and "ticket.sla.breached"), or an exact name.
func MatchesType(patterns []string, eventType string) bool {
	for _, p := range patterns {
		switch {
		case p == "*" || p == eventType:
			return true
		case strings.HasSuffix(p, ".*") && strings.HasPrefix(eventType, p[:len(p)-1]):
			return true
		}
	}
	return false
}
