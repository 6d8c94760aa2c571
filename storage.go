package hookd

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
)

// StorageRecoveredAfter is how many writes in a row must commit, after
// writes failed for lack of storage, before a StorageState logs that they
// succeed again.
const StorageRecoveredAfter = 16

// StorageState remembers whether the database's storage refuses writes:
// from a write that failed with an ESTORAGE error (a full disk, a read-only
// database) until a write commits again. Both store engines keep one, so
// that their Ping fails meanwhile (/readyz answers 503).
//
// It logs the changes, not each failure: at error level when writes start
// to fail (or fail for another reason, read-only after full), at info level
// once StorageRecoveredAfter writes in a row have committed. A disk that is
// nearly full takes the small writes and refuses the large ones; the state
// follows each write, but its log does not swing with it.
//
// It is safe for concurrent use. Make one with NewStorageState.
type StorageState struct {
	log    *slog.Logger
	failed atomic.Pointer[Error] // the last ESTORAGE error; nil since a write committed
	// logged is set while the log says that writes fail; failed is only
	// set while logged is.
	logged atomic.Bool

	mu     sync.Mutex // for the changes of failed and logged
	reason string     // the message logged last
	streak int        // writes committed in a row since the last failure
}

// NewStorageState returns a StorageState that takes writes, and logs to
// logger (nil: slog.Default()).
func NewStorageState(logger *slog.Logger) *StorageState {
	if logger == nil {
		logger = slog.Default()
	}
	return &StorageState{log: logger}
}

// Observe takes the outcome of a write transaction: nil (it committed)
// clears the state, an ESTORAGE error sets it; other errors leave it as it
// is.
func (s *StorageState) Observe(err error) {
	if err == nil {
		if !s.logged.Load() { // the hot path: one atomic load
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.failed.Store(nil)
		if s.streak++; s.streak >= StorageRecoveredAfter && s.logged.Load() {
			s.logged.Store(false)
			s.log.Info("storage: writes succeed again", "after", s.reason)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != ESTORAGE {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streak = 0
	wasLogged := s.logged.Swap(true) // before failed: see the hot path
	s.failed.Store(e)
	if !wasLogged || s.reason != e.Message {
		s.reason = e.Message
		s.log.Error("storage: writes fail; the API answers 507 to writes and /readyz 503 until a write succeeds",
			"reason", e.Message, "err", e.Err)
	}
}

// Err returns the ESTORAGE error of the write that failed last, or nil when
// a write has committed since (or none failed).
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
