package hookd

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// Id prefixes, one per kind of thing.
const (
	PrefixWorkspace = "ws_"
	PrefixKey       = "key_"
	PrefixWebhook   = "whk_"
	PrefixEvent     = "evt_"
	PrefixDelivery  = "dlv_"
)

// crockford is the ULID alphabet: it sorts in byte order, so ids sort by time.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var idMu sync.Mutex
var idLast struct {
	ms      uint64
	entropy [10]byte
}

// NewID returns prefix followed by a ULID made at t: 48 bits of Unix
// milliseconds and 80 random bits, in Crockford base32. Ids made in the same
// millisecond by this process are strictly increasing (the random part is
// incremented), so ids sort by creation order.
func NewID(prefix string, t time.Time) string {
	ms := uint64(t.UnixMilli())
	idMu.Lock()
	if ms <= idLast.ms {
		ms = idLast.ms
		increment(&idLast.entropy)
	} else {
		idLast.ms = ms
		_, _ = rand.Read(idLast.entropy[:])
		idLast.entropy[0] &= 0x7f // leave room to increment within a millisecond
	}
	var b [16]byte
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	copy(b[6:], idLast.entropy[:])
	idMu.Unlock()
	return prefix + encodeULID(b)
}

func increment(e *[10]byte) {
	for i := len(e) - 1; i >= 0; i-- {
		e[i]++
		if e[i] != 0 {
			return
		}
	}
}

func encodeULID(b [16]byte) string {
	// 128 bits as 26 base32 digits, the first holding the top 3 bits.
	var out [26]byte
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// RandomToken returns n random bytes, for secrets and keys.
func RandomToken(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("hookd: crypto/rand failed: " + err.Error())
	}
	return b
}
