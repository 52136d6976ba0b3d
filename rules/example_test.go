package rules_test

import (
	"fmt"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

func Example() {
	env, _ := rules.NewEnv(yanglao.StatusKinds)

	// A type error is refused at compile time with its position.
	_, err := env.Compile(`age between 80 and 99 and no_fixed_income and grade >= 2元`, rules.Bool)
	fmt.Println(err)

	p, _ := env.Compile(`age between 80 and 99 and no_fixed_income and not status("dibao")`, rules.Bool)
	f := env.NewFacts()
	f.Birth = rules.DayOf(1939, 1, 15)
	f.Date = rules.DayOf(2024, 6, 30)
	f.NoFixedIncome = true
	ok, _ := p.Bool(f) // the fast path: no allocation
	fmt.Println(ok)
	_, x, _ := p.Explain(f)
	fmt.Print(x.Text(false))
	// Output:
	// 第1行第53列（字节52）：比较两边的类型不同：左边是整数，右边是金额 (line 1, column 53, byte 52: the two sides of the comparison differ: the left side is int, the right side is money)
	// true
	// all of these hold ✓
	//   age = 85 between 80 and 99 (inclusive) ✓
	//   no_fixed_income = true ✓
	//   the following must not hold ✓
	//     status("dibao") = false ✗
}
