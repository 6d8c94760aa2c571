package postgres

import (
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestWrapCodes: PostgreSQL's SQLSTATEs become the domain's codes: a full
// disk and a read-only transaction ESTORAGE (507), a lack of other
// resources EUNAVAILABLE (503).
func TestWrapCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sqlstate, want, message string
	}{
		{"53100", hookd.ESTORAGE, "full"},      // disk_full
		{"25006", hookd.ESTORAGE, "read-only"}, // read_only_sql_transaction
		{"53200", hookd.EUNAVAILABLE, ""},      // out_of_memory
		{"53300", hookd.EUNAVAILABLE, ""},      // too_many_connections
		{"42601", hookd.EINTERNAL, ""},         // syntax_error
	}
	for _, tt := range tests {
		err := wrap("publish", &pgconn.PgError{Code: tt.sqlstate})
		if got := hookd.ErrorCode(err); got != tt.want {
			t.Errorf("SQLSTATE %s: got code %q (%v); want %q", tt.sqlstate, got, err, tt.want)
		}
		if msg := hookd.ErrorMessage(err); tt.message != "" && !strings.Contains(msg, tt.message) {
			t.Errorf("SQLSTATE %s: message %q does not say %q", tt.sqlstate, msg, tt.message)
		}
	}
}
