// Package idcard parses, validates, masks and generates Chinese citizen
// identification numbers (公民身份号码) as defined by GB 11643-1999
// 《公民身份号码》.
//
// An 18-character number is made of a 6-digit address code (地址码, the
// county-level division of GB/T 2260), an 8-digit birth date YYYYMMDD
// (出生日期码), a 3-digit sequence code (顺序码, odd for men, even for
// women) and a check character (校验码) computed with ISO 7064 MOD 11-2.
// The 15-digit numbers issued before 1999 (6 region + YYMMDD + 3 sequence)
// are accepted and converted to their 18-character form.
//
// Validation reports which part failed through *Error, so a form can point
// at the region, the birth date or the check character separately. Error
// messages never echo the whole number: they end up in logs, and the number
// is personal information under PIPL.
//
// The package does no I/O; region lookups are injected by the caller
// (see ParseWith).
package idcard
