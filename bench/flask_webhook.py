"""The seed's Python Flask example (CMzon's "Webhook Configuration" page), as users would run
it: `verify_webhook_signature` and the event loop are the page's code; the handlers it calls
but does not define are no-ops, and its prints go wherever stdout goes.

Usage: WEBHOOK_SECRET=... python3 flask_webhook.py PORT
"""
import hashlib
import hmac
import os
import sys

from flask import Flask, jsonify, request

app = Flask(__name__)


def verify_webhook_signature(payload, signature):
    """Verify webhook signature"""
    expected_signature = hmac.new(
        os.getenv('WEBHOOK_SECRET').encode('utf-8'), payload, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f'sha256={expected_signature}', signature)


@app.route('/webhook', methods=['POST'])
def webhook():
    signature = request.headers.get('X-Hub-Signature-256')
    if not verify_webhook_signature(request.get_data(), signature):
        return jsonify({'error': 'Unauthorized'}), 401
    body = request.get_json()
    if body.get('object') == 'whatsapp_business_account':
        for entry in body.get('entry', []):
            for change in entry.get('changes', []):
                if change.get('field') == 'messages':
                    value = change.get('value', {})
                    for message in value.get('messages', []):
                        handle_incoming_message(message)
                    for status in value.get('statuses', []):
                        handle_message_status(status)
                    for error in value.get('errors', []):
                        handle_message_error(error)
    return jsonify({'status': 'success'}), 200


def handle_incoming_message(message):
    from_number = message.get('from')
    message_type = message.get('type')
    if message_type == 'text':
        text = message.get('text', {}).get('body', '')
        print(f"Text message from {from_number}: {text}")


def handle_message_status(status):
    print(f"Message {status.get('id')} status: {status.get('status')} at {status.get('timestamp')}")


def handle_message_error(error):
    print(f"Message error {error.get('code')}: {error.get('title')} - {error.get('message')}")


if __name__ == '__main__':
    import logging
    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    from werkzeug.serving import make_server
    # What app.run does (the page runs debug=True; the reloader and debugger would only slow
    # it down further), split so that the socket is bound before the Ready: line is printed.
    server = make_server('127.0.0.1', int(sys.argv[1]), app, threaded=True)
    print(f"Ready: listening on http://127.0.0.1:{sys.argv[1]}/webhook", file=sys.stderr, flush=True)
    server.serve_forever()
