package chatkit_test

import (
	"errors"
	"testing"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// FuzzDecodeRequest checks that no body makes DecodeRequest panic, that
// every failure is a *RequestError, and that accepted requests carry the
// params type of their request type.
func FuzzDecodeRequest(f *testing.F) {
	seeds := []string{
		`{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"Hi there"}],"attachments":[],"quoted_text":null,"inference_options":{"tool_choice":null,"model":null}}}}`,
		`{"type":"threads.add_user_message","params":{"thread_id":"thr_1","input":{"content":[{"type":"input_tag","id":"ent_1","text":"Q3","data":{"k":"v"},"group":"Docs","interactive":false}],"attachments":["atc_1"],"inference_options":{"tool_choice":{"id":"search"},"model":"gpt-5"}}}}`,
		`{"type":"threads.add_client_tool_output","params":{"thread_id":"thr_1","result":{"a":[1,2]}}}`,
		`{"type":"threads.add_structured_input","params":{"thread_id":"thr_1","item_id":"msg_1","input":{"status":"answered","answers":{"q1":{"values":["red"],"skipped":false}}}}}`,
		`{"type":"threads.retry_after_item","params":{"thread_id":"thr_1","item_id":"msg_1"}}`,
		`{"type":"threads.custom_action","params":{"thread_id":"thr_1","item_id":null,"action":{"type":"do.it","payload":{"k":1}}}}`,
		`{"type":"threads.sync_custom_action","params":{"thread_id":"thr_1","item_id":"msg_w","action":{"type":"x"}}}`,
		`{"type":"threads.get_by_id","params":{"thread_id":"thr_1"}}`,
		`{"type":"threads.list","params":{"limit":null,"order":"asc","after":null}}`,
		`{"type":"threads.update","params":{"thread_id":"thr_1","title":"New"}}`,
		`{"type":"threads.delete","params":{"thread_id":"thr_1"}}`,
		`{"type":"items.list","params":{"thread_id":"thr_1","limit":5,"order":"desc","after":"msg_2"}}`,
		`{"type":"items.feedback","params":{"thread_id":"thr_1","item_ids":["msg_1"],"kind":"positive"}}`,
		`{"type":"attachments.create","params":{"name":"a.png","size":10,"mime_type":"image/png"}}`,
		`{"type":"attachments.delete","params":{"attachment_id":"atc_1"}}`,
		`{"type":"input.transcribe","params":{"audio_base64":"AAAA","mime_type":"audio/webm;codecs=opus"},"metadata":{"timezone":"Europe/Paris"}}`,
		`{"type":"threads.create"}`, `{"type":5}`, `{}`, `[]`, `null`, ``, `{"type":"threads.list","params":[]}`,
		`{"type":"threads.list","params":{"limit":1e400}}`, "{\"type\":\"threads.get_by_id\",\"params\":{\"thread_id\":\"\xff\"}}",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := chatkit.DecodeRequest(body)
		if err != nil {
			var re *chatkit.RequestError
			if !errors.As(err, &re) || re.Message == "" {
				t.Fatalf("error %v is not a *RequestError with a message", err)
			}
			if req != nil {
				t.Fatal("request returned along with an error")
			}
			return
		}
		if !req.Type.Known() || req.Params == nil || req.Metadata == nil {
			t.Fatalf("accepted an incomplete request: %+v", req)
		}
		var ok bool
		switch req.Type {
		case chatkit.ReqThreadsCreate:
			_, ok = req.Params.(*chatkit.ThreadCreateParams)
		case chatkit.ReqThreadsAddUserMessage:
			_, ok = req.Params.(*chatkit.ThreadAddUserMessageParams)
		case chatkit.ReqThreadsAddClientToolOutput:
			_, ok = req.Params.(*chatkit.ThreadAddClientToolOutputParams)
		case chatkit.ReqThreadsAddStructuredInput:
			_, ok = req.Params.(*chatkit.ThreadAddStructuredInputParams)
		case chatkit.ReqThreadsRetryAfterItem:
			_, ok = req.Params.(*chatkit.ThreadRetryAfterItemParams)
		case chatkit.ReqThreadsCustomAction, chatkit.ReqThreadsSyncCustomAction:
			_, ok = req.Params.(*chatkit.ThreadCustomActionParams)
		case chatkit.ReqThreadsGetByID, chatkit.ReqThreadsDelete:
			_, ok = req.Params.(*chatkit.ThreadIDParams)
		case chatkit.ReqThreadsList, chatkit.ReqItemsList:
			var p *chatkit.ListParams
			p, ok = req.Params.(*chatkit.ListParams)
			if ok && (p.Limit < 1 || p.Limit > chatkit.MaxPageSize || (p.Order != chatkit.OrderAsc && p.Order != chatkit.OrderDesc)) {
				t.Fatalf("list params not normalized: %+v", p)
			}
		case chatkit.ReqThreadsUpdate:
			_, ok = req.Params.(*chatkit.ThreadUpdateParams)
		case chatkit.ReqItemsFeedback:
			_, ok = req.Params.(*chatkit.ItemFeedbackParams)
		case chatkit.ReqAttachmentsCreate:
			_, ok = req.Params.(*chatkit.AttachmentCreateParams)
		case chatkit.ReqAttachmentsDelete:
			_, ok = req.Params.(*chatkit.AttachmentDeleteParams)
		case chatkit.ReqInputTranscribe:
			_, ok = req.Params.(*chatkit.InputTranscribeParams)
		}
		if !ok {
			t.Fatalf("%s decoded into %T", req.Type, req.Params)
		}
	})
}
