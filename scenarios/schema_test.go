package scenarios

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestJSONSchema checks that the schema is JSON and that it lists every
// yaml field of the types, and no others, in the right place.
func TestJSONSchema(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(JSONSchema(), &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	// resolve follows a $ref to its definition.
	resolve := func(s map[string]any) map[string]any {
		for s != nil {
			ref, ok := s["$ref"].(string)
			if !ok {
				return s
			}
			s, _ = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
		return s
	}
	var walk func(path string, typ reflect.Type, s map[string]any)
	walk = func(path string, typ reflect.Type, s map[string]any) {
		s = resolve(s)
		if s == nil {
			t.Errorf("%s: no schema", path)
			return
		}
		switch typ {
		case sizeSpecType:
			var keys []string
			for _, alt := range s["oneOf"].([]any) {
				props, _ := resolve(alt.(map[string]any))["properties"].(map[string]any)
				for k := range props {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			keys = slices.Compact(keys)
			want := []string{"bytes", "dist", "max", "median", "min", "p99"}
			if !slices.Equal(keys, want) {
				t.Errorf("%s: schema keys %v, want %v", path, keys, want)
			}
			return
		case thresholdType, durationType, byteSizeType, tolerances:
			return
		}
		switch typ.Kind() {
		case reflect.Slice:
			items, _ := s["items"].(map[string]any)
			walk(path+"[]", typ.Elem(), items)
		case reflect.Struct:
			props, _ := s["properties"].(map[string]any)
			if s["additionalProperties"] != false {
				t.Errorf("%s: additionalProperties is not false", path)
			}
			var names []string
			for i := range typ.NumField() {
				name, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
				if name == "" || name == "-" {
					continue
				}
				names = append(names, name)
				sub, ok := props[name].(map[string]any)
				if !ok {
					t.Errorf("%s: schema lacks %q", path, name)
					continue
				}
				walk(join(path, name), typ.Field(i).Type, sub)
			}
			for name := range props {
				if !slices.Contains(names, name) {
					t.Errorf("%s: schema has %q, which the type lacks", path, name)
				}
			}
		}
	}
	walk("", reflect.TypeFor[Scenario](), root)
}
