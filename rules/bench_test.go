package rules_test

import (
	"testing"

	"github.com/yanglao/yanglao/rules"
)

func BenchmarkEval(b *testing.B) {
	te := newEnv(b)
	f := te.person85()
	for _, bc := range []struct{ name, src string }{
		{"age_between", `age between 80 and 99 and no_fixed_income`},
		{"statuses", `age >= 60 and (status("dibao") or status("low_income") or status("tekun_dispersed") or status("tekun_centralised")) and (age >= 80 or grade >= 2 or status("disabled") or status("dementia") or status("special_family"))`},
		{"in_region", `in_region("431002") and living in ["alone", "empty_nest"]`},
		{"amount_if", `if age >= 90 then 150元 else 80元`},
		{"amount_dibao", `dibao_standard * 1.3`},
	} {
		p := te.env.MustCompile(bc.src, rules.Invalid)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Eval(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkExplain(b *testing.B) {
	te := newEnv(b)
	f := te.person85()
	p := te.env.MustCompile(`age >= 60 and (status("dibao") or status("low_income")) and (age >= 80 or grade >= 2 or status("special_family"))`, rules.Bool)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.Explain(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	te := newEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		te.env.MustCompile(`age >= 60 and (status("dibao") or status("low_income")) and (age >= 80 or grade >= 2 or status("special_family"))`, rules.Bool)
	}
}
