package hookd

import (
	"errors"
	"log/slog"
	"sync/atomic"
)

// StorageState remembers whether the database's storage refuses writes:
// from a write that failed with an ESTORAGE error (a full disk, a read-only
// database) until a write commits again. Both store engines keep one, so
// that their Ping can fail meanwhile (/readyz answers 503) and the change
// is logged once rather than at every request that fails. It is safe for
// concurrent use. Make one with NewStorageState.
type StorageState struct {
	log    *slog.Logger
	failed atomic.Pointer[Error] // the last ESTORAGE error; nil while writes succeed
}

// NewStorageState returns a StorageState that takes writes, and logs its
// changes to logger (nil: slog.Default()): at error level when writes start
// to fail, at info level when they succeed again.
func NewStorageState(logger *slog.Logger) *StorageState {
	if logger == nil {
		logger = slog.Default()
	}
	return &StorageState{log: logger}
}

// Observe takes the outcome of a write transaction: nil (it committed)
// clears the state, an ESTORAGE error sets it; other errors leave it as it
// is. It logs when the state changes, and when a failure of another kind
// (read-only after full) replaces the one it had.
func (s *StorageState) Observe(err error) {
	if err == nil {
		if s.failed.Load() == nil { // the hot path: one atomic load
			return
		}
		if old := s.failed.Swap(nil); old != nil {
			s.log.Info("storage: writes succeed again", "after", old.Message)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != ESTORAGE {
		return
	}
	if old := s.failed.Swap(e); old == nil || old.Message != e.Message {
		s.log.Error("storage: writes fail; the API answers 507 to writes and /readyz 503 until a write succeeds",
			"reason", e.Message, "err", e.Err)
	}
}

// Err returns the ESTORAGE error of the write that failed last while the
// state is set, or nil while writes succeed.
func (s *StorageState) Err() error {
	if e := s.failed.Load(); e != nil {
		return e
	}
	return nil
}

// LogLevel is the level to log a failed store call at: slog.LevelDebug for
// an ESTORAGE error, which the store's StorageState logs once when writes
// start to fail rather than at every call, else slog.LevelError.
func LogLevel(err error) slog.Level {
	if ErrorCode(err) == ESTORAGE {
		return slog.LevelDebug
	}
	return slog.LevelError
}
