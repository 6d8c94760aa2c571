package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd"
)

// CreatePortalLink implements hookd.Store.
func (s *Store) CreatePortalLink(ctx context.Context, l *hookd.PortalLink) error {
	return errors.New("postgres: portal links: not yet")
}

// RedeemPortalLink implements hookd.Store.
func (s *Store) RedeemPortalLink(ctx context.Context, tokenHash []byte, now time.Time) (*hookd.PortalLink, error) {
	return nil, errors.New("postgres: portal links: not yet")
}
