// Package orders holds the pure rules of home-care service orders (居家上门服务,
// GB/T 43153-2023; Shaoyang §4 "六助一护"; Chenzhou annex item 5): the state
// machine and who may move an order along it, the payment split in fen, and the
// checks that flag a visit for review (distance of check-in, length of visit).
// No I/O: package sqldb calls these inside its transactions.
package orders

// State is where an order stands.
type State string

const (
	Requested State = "requested"  // 已下单: placed, waiting for the provider
	Accepted  State = "accepted"   // 已接单: the provider takes it
	Assigned  State = "assigned"   // 已派单: a caregiver is booked for the window
	OnTheWay  State = "on_the_way" // 已出发
	InService State = "in_service" // 服务中: checked in at the home
	Done      State = "done"       // 已完成: checked out, waiting for the older person's confirmation
	Confirmed State = "confirmed"  // 已确认: the older person or family confirmed the visit (and may rate it)
	Cancelled State = "cancelled"  // 已取消
	NoShow    State = "no_show"    // 未上门/未遇: the visit did not happen
)

// States lists every state in the order of the flow.
var States = []State{Requested, Accepted, Assigned, OnTheWay, InService, Done, Confirmed, Cancelled, NoShow}

var stateNames = map[State][2]string{
	Requested: {"待接单", "Requested"},
	Accepted:  {"已接单", "Accepted"},
	Assigned:  {"已派单", "Assigned"},
	OnTheWay:  {"已出发", "On the way"},
	InService: {"服务中", "In service"},
	Done:      {"待确认", "Done, to confirm"},
	Confirmed: {"已确认", "Confirmed"},
	Cancelled: {"已取消", "Cancelled"},
	NoShow:    {"未上门", "No-show"},
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { _, ok := stateNames[s]; return ok }

// Name is the state's name in the language ("zh" or "en").
func (s State) Name(lang string) string {
	if lang == "en" {
		return stateNames[s][1]
	}
	return stateNames[s][0]
}

// Final reports whether nothing more happens to an order in s but a rating.
func (s State) Final() bool { return s == Confirmed || s == Cancelled || s == NoShow }

// Open reports whether a caregiver's time is still booked for an order in s.
func (s State) Open() bool { return s == Assigned || s == OnTheWay || s == InService }

// Party is how the actor stands to one order. The store decides it (linked
// person, the provider's staff, the assigned caregiver, the region's
// officials); these rules only say what each party may do.
type Party string

const (
	Client     Party = "client"     // the older person or a linked family member (子女网上下单)
	Placer     Party = "placer"     // the township worker who placed a government-paid order
	Dispatcher Party = "dispatcher" // the provider's dispatcher
	Carer      Party = "carer"      // the caregiver assigned to the order
	Official   Party = "official"   // civil-affairs official of the region
)

// Action moves an order.
type Action string

const (
	Accept   Action = "accept"   // requested → accepted
	Decline  Action = "decline"  // requested → cancelled: the provider cannot serve it (reason required)
	Assign   Action = "assign"   // requested|accepted → assigned; assigned|on_the_way → assigned is a reassignment
	Depart   Action = "depart"   // assigned → on_the_way
	CheckIn  Action = "check_in" // assigned|on_the_way → in_service, with time and position
	CheckOut Action = "check_out"
	// Close ends a visit nobody checked out of: in_service → done, always flagged
	// (a missing check-out is never silently accepted).
	Close   Action = "close"
	Confirm Action = "confirm" // done → confirmed: the one-time code, a signature, or the client on their own page
	Rate    Action = "rate"    // confirmed → confirmed: stars, notes, concerns
	Cancel  Action = "cancel"  // before the visit starts (reason required)
	Miss    Action = "no_show" // assigned|on_the_way → no_show: nobody at home, or nobody came (reason required)
)

var actionNames = map[Action][2]string{
	Accept: {"接单", "Accept"}, Decline: {"拒单", "Decline"}, Assign: {"派单", "Assign"}, Depart: {"出发", "Set off"},
	CheckIn: {"签到", "Check in"}, CheckOut: {"签退", "Check out"}, Close: {"补结束", "Close without check-out"},
	Confirm: {"确认服务", "Confirm"}, Rate: {"评价", "Rate"}, Cancel: {"取消", "Cancel"}, Miss: {"未上门", "No-show"},
}

// Name is the action's name in the language.
func (a Action) Name(lang string) string {
	if lang == "en" {
		return actionNames[a][1]
	}
	return actionNames[a][0]
}

// transition is one allowed move: from a state, by an action, by some parties, to a state.
type transition struct {
	from  []State
	to    State
	whom  []Party
	needs string // "reason", "position", "caregiver", "proof": what the store must check is present
}

var transitions = map[Action]transition{
	Accept:   {from: []State{Requested}, to: Accepted, whom: []Party{Dispatcher}},
	Decline:  {from: []State{Requested, Accepted}, to: Cancelled, whom: []Party{Dispatcher}, needs: "reason"},
	Assign:   {from: []State{Requested, Accepted, Assigned, OnTheWay}, to: Assigned, whom: []Party{Dispatcher}, needs: "caregiver"},
	Depart:   {from: []State{Assigned}, to: OnTheWay, whom: []Party{Carer}},
	CheckIn:  {from: []State{Assigned, OnTheWay}, to: InService, whom: []Party{Carer}, needs: "position"},
	CheckOut: {from: []State{InService}, to: Done, whom: []Party{Carer}, needs: "position"},
	Close:    {from: []State{InService}, to: Done, whom: []Party{Dispatcher}, needs: "reason"},
	// The caregiver confirms only with the client's proof (code or signature);
	// the client confirms on their own signed-in page.
	Confirm: {from: []State{Done}, to: Confirmed, whom: []Party{Client, Carer}, needs: "proof"},
	Rate:    {from: []State{Confirmed}, to: Confirmed, whom: []Party{Client}},
	// Clients and the placing worker cancel until the caregiver sets off; the
	// provider until the visit starts.
	Cancel: {from: []State{Requested, Accepted, Assigned}, to: Cancelled, whom: []Party{Client, Placer, Dispatcher}, needs: "reason"},
	Miss:   {from: []State{Assigned, OnTheWay}, to: NoShow, whom: []Party{Carer, Dispatcher}, needs: "reason"},
}

// Actions lists every action.
var Actions = []Action{Accept, Decline, Assign, Depart, CheckIn, CheckOut, Close, Confirm, Rate, Cancel, Miss}

// Refusal says why a move is not allowed, in both languages. Forbidden: the
// party may never take the action (rather than not in this state).
type Refusal struct {
	ZH, EN    string
	Forbidden bool
}

func (r *Refusal) Error() string { return r.ZH + " (" + r.EN + ")" }

// Step checks that party may do action on an order in state from, and returns
// the state it moves to and what the store must check is present.
func Step(from State, action Action, party Party) (to State, needs string, err *Refusal) {
	t, ok := transitions[action]
	if !ok {
		return "", "", &Refusal{"未知的操作", "unknown action", false}
	}
	if !contains(t.whom, party) {
		return "", "", &Refusal{"您不能对此订单执行“" + action.Name("zh") + "”", "you may not " + action.Name("en") + " this order", true}
	}
	if !contains(t.from, from) {
		return "", "", &Refusal{"订单当前为“" + from.Name("zh") + "”，不能" + action.Name("zh"),
			"the order is " + from.Name("en") + ": cannot " + action.Name("en"), false}
	}
	return t.to, t.needs, nil
}

// Allowed lists the actions party may take on an order in state s, in flow order.
func Allowed(s State, party Party) []Action {
	var out []Action
	for _, a := range Actions {
		if _, _, err := Step(s, a, party); err == nil {
			out = append(out, a)
		}
	}
	return out
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
