package httpapi

import "net/http"

// getOverview answers the operator's overview of every workspace at the
// request's time (hookd.Overview): attempts per minute for the last hour,
// pending and due deliveries, totals, and the webhooks that are failing
// or disabled, each as GET webhook shows it plus failing_since.
func (s *server) getOverview(req *request) (int, any, error) {
	o, err := s.store.Overview(req.Context(), req.now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o, nil
}
