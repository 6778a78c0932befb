package render

import (
	"fmt"
	"testing"
)

// TestSortObjects: objects go in Helm's install order by kind (Namespace
// first, kinds kindOrder does not know last, by name), then by namespace
// and name.
func TestSortObjects(t *testing.T) {
	objs := []Object{
		{Kind: "Deployment", Namespace: "b", Name: "x"},
		{Kind: "Zebra", Name: "z"},
		{Kind: "Service", Namespace: "a", Name: "y"},
		{Kind: "Alpaca", Name: "a"},
		{Kind: "Deployment", Namespace: "a", Name: "y"},
		{Kind: "Deployment", Namespace: "a", Name: "x"},
		{Kind: "Namespace", Name: "a"},
		{Kind: "ConfigMap", Namespace: "a", Name: "c"},
	}
	sortObjects(objs)
	var got []string
	for _, o := range objs {
		got = append(got, fmt.Sprintf("%s/%s/%s", o.Kind, o.Namespace, o.Name))
	}
	want := []string{"Namespace//a", "ConfigMap/a/c", "Service/a/y", "Deployment/a/x", "Deployment/a/y", "Deployment/b/x", "Alpaca//a", "Zebra//z"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order\n got %v\nwant %v", got, want)
	}
}
