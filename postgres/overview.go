package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd"
)

// Overview implements hookd.Store.
func (s *Store) Overview(ctx context.Context, now time.Time) (*hookd.Overview, error) {
	return nil, errors.New("postgres: overview: not yet")
}
