package sqlite

import "context"

// ReleaseClaims ends the leases of the deliveries, which are due again at
// their unchanged next attempt time. Unknown ids are ignored.
func (s *Store) ReleaseClaims(ctx context.Context, deliveryIDs []string) error {
	// Not during a claim: one that copied the leases before this release
	// would skip the deliveries as leased and read on past them.
	s.claiming.Lock()
	defer s.claiming.Unlock()
	s.leases.release(deliveryIDs)
	s.queue.released(deliveryIDs)
	return nil
}
