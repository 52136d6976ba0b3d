// Package benefits holds the basic elderly-care service list
// (基本养老服务清单) as versioned data and decides, for a person and a month,
// which items the person is entitled to, how much a cash item pays, and why.
// It is pure: no SQL, no HTTP. The store keeps Items (their rules as text)
// and feeds Subjects; the monthly batch runs an Evaluator per worker.
//
// # The list
//
// A List belongs to a region and holds every version of every Item. An item
// has a code (CZ-01 … CZ-25 for the Chenzhou list, Chenzhou()), name, target
// group, content and standard as published, service type (物质帮助 / 照护服务 /
// 关爱服务), lead department, legal source (document and clause), effective
// dates, whether it needs an application (免申请 or 依申请), an eligibility
// rule and, for cash items, a monthly amount rule in fen (package rules).
// Rules compile when an item is added; a bad rule is a *RuleError with the
// position. Editing is List.Revise: a new version from a date, the old one
// closed the day before, history kept; versions of one item never overlap.
// A lower region's list starts as a copy (List.Derive) and may add or raise
// items; CheckInheritance reports where it falls below the parent
// (Chenzhou §1).
//
// # Monthly entitlement
//
// Benefits are paid by the month. Each month of each person is decided by
// the facts of ONE day, the reference day:
//
//   - normally the last day of the month. An age reached on any day of the
//     month therefore counts for that whole month — "thresholds apply from the
//     birthday, so a benefit starts in the month of the birthday" (DESIGN §4):
//     turning 80 on 1 March or on 31 March both start 高龄津贴 in March, turning
//     90 in June pays the 90–99 rate for June, turning 100 in September pays
//     the 百岁 subsidy and no 高龄津贴 for September. A birthday on 29
//     February counts on 1 March in common years (rules.AgeOn), so born
//     1936-02-29 turns 90 in March 2026;
//   - the day of death, if the person died during the month. The month of
//     death is paid if the person qualified on that day, and payments stop
//     from the next month (死亡次月停发). The Chenzhou seed is silent on this;
//     it is the common practice of civil-affairs allowances and avoids
//     reclaiming money for the month the person was still alive. Dying on the
//     1st or on the 31st both leave that month paid and the next one not;
//     dying before a birthday in the same month means the birthday was not
//     reached;
//   - the day of moving out of the region, likewise (the region moved to
//     starts from the next month).
//
// Statuses (低保, 特困 …), assessment grades, income flags and parameters (the
// 低保 standard) are read as they stand on the reference day. A status that
// begins on any day of the month counts for the month; one that ends before
// the month's last day does not (a status that ends on the last day still
// counts). Deciding each month on a single day means no partial months and
// no double payments when a status changes inside a month — moving from 分散
// to 集中供养 in August pays one of the two for August, not both.
//
// The version of an item that applies is the one in force on the reference
// day. Entitlement (and List.Explain) returns the eligibility verdict, the
// amount and an Explanation; the batch uses Evaluator.Month, the same
// decision without the explanation and without allocating. An item that
// needs an application (依申请) is reported eligible when its rule holds; it is
// payable once an application is approved, which the caller tracks.
//
// # Decisions where the Chenzhou annex is silent
//
//   - "80周岁以上" includes 80 (民法典 第一千二百五十九条: 以上包括本数).
//   - 高龄津贴 (item 12) covers 80–99: its standard names 80-89 and 90-99 only,
//     and from 100 item 13 (600元, no income condition) replaces it.
//   - 经济困难 = an active 低保, 低收入 or 特困 status; 失能 = a valid assessment
//     of grade 2 (中度受损) or worse, or a 失能/失智 status; 经认定生活不能自理
//     (item 16) = a valid assessment of grade 2 or worse; 重度残疾 = disability
//     grade 1–2 or the 重度残疾 status.
//   - 特困 support (items 19, 20) is paid at its floor, 1.3 × the local 低保
//     standard, rounded up to the fen.
//   - Amounts the annex leaves to local standards (items 14, 16, 24) are
//     parameters of the region (Param*). A parameter with no value on the
//     reference day is an error for that person and item, never a payment of
//     0.
//   - The list is in force from 2023-04-19 (the date the document was signed
//     and issued) with no end date.
package benefits
