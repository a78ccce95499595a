package session

import "testing"

func TestSettings(t *testing.T) {
	p := NewParams(Env{SynchronousCommit: "off", User: "alice"})
	if _, err := p.Set("statement_timeout", "5s"); err != nil {
		t.Fatal(err)
	}
	byName := map[string]Setting{}
	for _, s := range p.Settings() {
		if s.VarType == "" || s.Category == "" || s.Context == "" {
			t.Errorf("%s: no type, category or context: %+v", s.Name, s)
		}
		byName[s.Name] = s
	}
	if len(byName) != len(params) {
		t.Errorf("%d settings for %d parameters", len(byName), len(params))
	}
	for name, want := range map[string]Setting{
		"statement_timeout":  {Setting: "5000", Unit: "ms", Source: "session", BootVal: "0", ResetVal: "0", VarType: "integer", Context: "user"},
		"synchronous_commit": {Setting: "off", Source: "default", BootVal: "on", ResetVal: "off", VarType: "enum", Context: "user"},
		"server_version":     {Setting: "16.0", Source: "default", BootVal: "16.0", ResetVal: "16.0", VarType: "string", Context: "internal"},
		"TimeZone":           {Setting: "UTC", Source: "default", BootVal: "UTC", ResetVal: "UTC", VarType: "string", Context: "user"},
	} {
		got := byName[name]
		if got.Setting != want.Setting || got.Unit != want.Unit || got.Source != want.Source || got.BootVal != want.BootVal ||
			got.ResetVal != want.ResetVal || got.VarType != want.VarType || got.Context != want.Context {
			t.Errorf("%s = %+v, want %+v", name, got, want)
		}
	}
}
