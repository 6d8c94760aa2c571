package delivery

import (
	"container/heap"
	"time"
)

// maxRetryTimes bounds the retry times an engine remembers. Past it, a new
// retry is left to the poll (PollInterval late at worst): a backlog that
// large keeps the engine busy claiming anyway.
const maxRetryTimes = 1 << 16

// retryTimes are the due times of the retries this engine scheduled, the
// earliest first, so that an idle engine wakes for each one on time rather
// than at its next poll. Not safe for concurrent use: the engine's mutex
// guards it.
type retryTimes []int64 // Unix nanoseconds, a min-heap

func (h retryTimes) Len() int           { return len(h) }
func (h retryTimes) Less(i, j int) bool { return h[i] < h[j] }
func (h retryTimes) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryTimes) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *retryTimes) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// add remembers a retry due at t.
func (h *retryTimes) add(t time.Time) {
	if len(*h) < maxRetryTimes {
		heap.Push(h, t.UnixNano())
	}
}

// next forgets the retries due by now and returns the earliest one left,
// or false when none is.
func (h *retryTimes) next(now time.Time) (time.Time, bool) {
	n := now.UnixNano()
	for len(*h) > 0 && (*h)[0] <= n {
		heap.Pop(h)
	}
	if len(*h) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, (*h)[0]), true
}
