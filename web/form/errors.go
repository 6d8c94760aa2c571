package form

// Errors are the messages of a form's fields, keyed by the API's field
// names (since, settings.max_webhooks, example). The key "" holds a
// message about the form as a whole.
type Errors map[string]string

// Add records msg for field unless the field already has a message,
// making the map when it is nil.
func (e *Errors) Add(field, msg string) {
	if *e == nil {
		*e = Errors{}
	}
	if _, ok := (*e)[field]; !ok {
		(*e)[field] = msg
	}
}
