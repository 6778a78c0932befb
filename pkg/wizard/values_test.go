package wizard

import "testing"

// Each problem is reported under the field that causes it, as the field
// is left; a field left going back is not judged.
func TestFormValuesProblemsByField(t *testing.T) {
	v := NewFormValues(Defaults()).ForFile("profile.yaml")
	if p := v.Problems(); len(p) != 0 {
		t.Fatalf("defaults: %v", p)
	}
	if err := v.check(FieldDomain, func(c *FormValues) { c.Domain = "not a domain" }); err == nil {
		t.Error("a bad domain passed its field")
	}
	if err := v.check(FieldName, func(c *FormValues) { c.Name = "Bad_Name" }); err == nil {
		t.Error("a bad name passed its field")
	}
	v.back = true
	if err := v.check(FieldName, func(c *FormValues) { c.Name = "Bad_Name" }); err != nil {
		t.Errorf("going back: %v", err)
	}
}
