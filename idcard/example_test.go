package idcard_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/yanglao/yanglao/idcard"
)

func ExampleParseAt() {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	id, err := idcard.ParseAt(" 110105491231002 ", now, nil) // a pre-1999 15-digit number
	if err != nil {
		panic(err)
	}
	y, m, d := id.BirthDate()
	fmt.Println(id, id.Masked(), string(id.Sex()), y, m, d)

	_, err = idcard.ParseAt("110105194912310025", now, nil)
	var e *idcard.Error
	if errors.As(err, &e) {
		fmt.Println(e.Part, e.Msg)
	}
	// Output:
	// 11010519491231002X 110***********002X F 1949 December 31
	// checksum 校验码错误：应为X，实为5 (check character mismatch: want X, got 5)
}

func ExampleGenerate() {
	birth := time.Date(1950, time.October, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println(idcard.Generate("430102", birth, 7)) // odd sequence: a man
	// Output: 430102195010010079
}
