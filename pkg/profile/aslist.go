package profile

import "errors"

// AsErrorList returns the located problems err carries (an ErrorList or a
// single FieldError), or nil when err is not a problem in an input file.
func AsErrorList(err error) ErrorList {
	var list ErrorList
	if errors.As(err, &list) {
		return list
	}
	var one *FieldError
	if errors.As(err, &one) {
		return ErrorList{one}
	}
	return nil
}
