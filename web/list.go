package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// list is a page of an API list.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// listPage reads the page of the API's keyset list at path that the page
// r shows: q (a filter; nil for none) with limit, from the cursor in r's
// query, and the pager that links r to the first page and the next. A
// POST that shows a list again (a form sent back) reads the first page
// and has no pager: its URL is the form's, not the list's.
func listPage[T any](h *handler, r *request, path string, q url.Values, limit int) ([]T, *pager, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", strconv.Itoa(limit))
	get := r.Method == http.MethodGet
	if c := r.URL.Query().Get("cursor"); c != "" && get {
		q.Set("cursor", c)
	}
	var l list[T]
	if err := h.api(r, "GET", path, q, nil, &l); err != nil {
		return nil, nil, err
	}
	var p *pager
	if get {
		p = newPager(r, l.NextCursor)
	}
	return l.Data, p, nil
}

// pager links a list page to the first page and the next one.
type pager struct {
	First, Next string
}

// newPager returns the pager of a list page of r whose API answer had
// next as its next cursor; nil when there is one page only.
func newPager(r *request, next *string) *pager {
	q := r.URL.Query()
	p := &pager{}
	if q.Get("cursor") != "" {
		q.Del("cursor")
		p.First = r.URL.Path + "?" + q.Encode()
	}
	if next != nil {
		q.Set("cursor", *next)
		p.Next = r.URL.Path + "?" + q.Encode()
	}
	if p.First == "" && p.Next == "" {
		return nil
	}
	return p
}
