package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
)

// maxJSONBody bounds every JSON request body; bulk data comes as file uploads.
const maxJSONBody = 1 << 20

// decodeJSON reads exactly one JSON object into v, rejecting unknown fields,
// wrong types, trailing data and oversize bodies with an error naming the field.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return yanglao.Invalid("Content-Type", "请求体应为 JSON (body must be application/json)")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return yanglao.Invalid("body", "无法读取请求体 (cannot read the request body)")
	}
	if len(body) > maxJSONBody {
		return &yanglao.Error{Code: yanglao.ETOOLARGE, Field: fieldAtCut(body),
			Message: "请求体超过 1 MiB (request body larger than 1 MiB)"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return yanglao.Invalid("body", "请求体只能包含一个 JSON 对象 (body must hold exactly one JSON object)")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return yanglao.Invalid("body", "请求体为空 (request body is empty)")
	case errors.As(err, &syn):
		return yanglao.Invalid("body", "JSON 格式错误，位置 %d (malformed JSON at byte %d)", syn.Offset, syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return yanglao.Invalid(field, "字段 %s 的类型应为 %s (field %s must be %s)", field, jsonType(typ.Type.Kind().String()), field, jsonType(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return yanglao.Invalid(name, "未知字段 %s (unknown field %s)", name, name)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return yanglao.Invalid("body", "JSON 不完整 (truncated JSON)")
	}
	var de *yanglao.Error
	if errors.As(err, &de) {
		return de // a field's own UnmarshalText, e.g. a date, already names itself
	}
	return yanglao.Invalid("body", "JSON 无效：%s (invalid JSON: %s)", err.Error(), err.Error())
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return "number"
}

// fieldAtCut finds the object key being read where an oversize body crosses the
// limit, so a 10 MB string is reported against its own field.
func fieldAtCut(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body[:maxJSONBody]))
	var stack []string // key per open object; "" for arrays
	expectKey := false
	last := "body"
	for {
		tok, err := dec.Token()
		if err != nil {
			return last
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, "")
				expectKey = true
				continue
			case '[':
				stack = append(stack, "[")
			case '}', ']':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
		case string:
			if expectKey && len(stack) > 0 && stack[len(stack)-1] != "[" {
				last = t
				expectKey = false
				continue
			}
		}
		expectKey = len(stack) > 0 && stack[len(stack)-1] != "["
	}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// List is the envelope of every list response: the page, and the cursor of the next.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// pageParams reads ?after= and ?limit= .
func pageParams(r *http.Request) (yanglao.Page, error) {
	p := yanglao.Page{After: r.URL.Query().Get("after")}
	if len(p.After) > 128 {
		return p, yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
	}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > yanglao.MaxPageSize {
			return p, yanglao.Invalid("limit", "limit 应为 1 到 %d 的整数 (limit must be an integer from 1 to %d)", yanglao.MaxPageSize, yanglao.MaxPageSize)
		}
		p.Limit = n
	}
	return p.Normalize(), nil
}

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, yanglao.Invalid(name, "%s 应为正整数 (%s must be a positive integer)", name, name)
	}
	return id, nil
}

// respondByID is the whole body of a handler that acts on one record by id: parse the
// {id} path value, make the one service call, write the result as JSON.
func respondByID[T any](w http.ResponseWriter, r *http.Request, get func(context.Context, int64) (T, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
