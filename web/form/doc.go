// Package form turns the forms of hookd's web pages into typed values and
// into the bodies and queries of the API requests they stand for.
//
// A form reports only what it cannot even parse (text where a number or a
// time must be, an example that is not JSON), under the API's own field
// names, so that its messages and the API's land next to the same fields.
// Every other check is the API's.
package form
