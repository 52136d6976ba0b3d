package yanglao

// NameIn names code from a bilingual vocabulary (code → {中文, English}) in the
// language; an unknown code is shown as it is. Every vocabulary of the domain
// (meals, devices, alarm statuses, outcomes …) is named through it.
func NameIn(vocab map[string][2]string, code, lang string) string {
	n, ok := vocab[code]
	if !ok {
		return code
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}
