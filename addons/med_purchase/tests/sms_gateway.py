"""A local SMS gateway for tests and demos: a real HTTP server process.

    python -m med_purchase.tests.sms_gateway --port 0 --state-file PATH \\
        [--token TOKEN] [--mode ok]

prints one JSON line {"port": ..., "pid": ...} once it listens.

POST /sms        the gateway: JSON {"key", "phone", "message", "signature"}
                 with "Authorization: Bearer TOKEN" when a token is set.
POST /control    {"mode": ..., "delay": seconds} switches the behaviour:
                 ok       record the message (once per key) and answer
                          200 {"ok": true, "id": ...}
                 fail     answer HTTP 500, record nothing
                 error    answer 200 {"ok": false, "error": "余额不足"}
                 garbage  answer 200 with a body that is not JSON
                 timeout  record the message (once per key), then wait
                          `delay` seconds before answering: the client gives
                          up first although the gateway has the message
                 "down" is the process stopped.
GET /state       everything: mode, requests (each POST /sms and its outcome)
                 and deliveries (what the phones received: one per key).

The state is kept in the state file, so a gateway restarted on the same file
(after being "down") still knows which keys it has delivered.

SMTPSink is a minimal SMTP server (no aiosmtpd on Python 3.11 without extra
packages) that keeps the mails it is given; the tests run it in a thread.
"""
import argparse
import json
import os
import socketserver
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = {'ok', 'fail', 'error', 'garbage', 'timeout'}


class State:

    def __init__(self, path, mode='ok', delay=5):
        self.path = path
        self.lock = threading.Lock()
        if path and os.path.exists(path):
            with open(path, encoding='utf-8') as file:
                self.data = json.load(file)
        else:
            self.data = {
                'mode': mode, 'delay': delay,
                'requests': [], 'deliveries': [],
                }
            self.save()

    def save(self):
        if not self.path:
            return
        tmp = self.path + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as file:
            json.dump(self.data, file, ensure_ascii=False)
        os.replace(tmp, self.path)

    def snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.data))

    def control(self, values):
        with self.lock:
            if 'mode' in values:
                if values['mode'] not in MODES:
                    raise ValueError(values['mode'])
                self.data['mode'] = values['mode']
            if 'delay' in values:
                self.data['delay'] = float(values['delay'])
            self.save()
            return {'mode': self.data['mode'], 'delay': self.data['delay']}

    def receive(self, message):
        "Log the request; deliver it unless the key was delivered already"
        with self.lock:
            mode = self.data['mode']
            delivery = None
            if mode in {'ok', 'timeout'}:
                for delivered in self.data['deliveries']:
                    if delivered['key'] == message['key']:
                        delivery = delivered
                        break
                else:
                    delivery = {
                        'id': f"gw-{len(self.data['deliveries']) + 1}",
                        'key': message['key'],
                        'phone': message['phone'],
                        'message': message['message'],
                        'signature': message.get('signature'),
                        'at': time.time(),
                        }
                    self.data['deliveries'].append(delivery)
            self.data['requests'].append({
                    'key': message['key'],
                    'phone': message['phone'],
                    'mode': mode,
                    'at': time.time(),
                    })
            self.save()
            return mode, delivery, self.data['delay']


class Handler(BaseHTTPRequestHandler):
    server_version = 'TestSMSGateway/1.0'

    def log_message(self, format, *args):
        pass

    def _reply(self, status, body, content_type='application/json'):
        if not isinstance(body, bytes):
            body = json.dumps(body, ensure_ascii=False).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (timeout mode)
            pass

    def _json(self):
        length = int(self.headers.get('Content-Length') or 0)
        return json.loads(self.rfile.read(length).decode('utf-8'))

    def do_GET(self):
        if self.path == '/state':
            self._reply(HTTPStatus.OK, self.server.state.snapshot())
        else:
            self._reply(HTTPStatus.NOT_FOUND, {'error': 'not found'})

    def do_POST(self):
        state = self.server.state
        if self.path == '/control':
            try:
                self._reply(HTTPStatus.OK, state.control(self._json()))
            except (ValueError, KeyError) as error:
                self._reply(HTTPStatus.BAD_REQUEST, {'error': str(error)})
            return
        if self.path != '/sms':
            self._reply(HTTPStatus.NOT_FOUND, {'error': 'not found'})
            return
        token = self.server.token
        if token and self.headers.get('Authorization') != f'Bearer {token}':
            self._reply(HTTPStatus.UNAUTHORIZED,
                {'ok': False, 'error': 'bad token'})
            return
        try:
            message = self._json()
            if not (isinstance(message, dict)
                    and message.get('key') and message.get('phone')
                    and message.get('message')):
                raise ValueError('key, phone and message are required')
        except ValueError as error:
            self._reply(HTTPStatus.BAD_REQUEST,
                {'ok': False, 'error': str(error)})
            return
        mode, delivery, delay = state.receive(message)
        if mode == 'fail':
            self._reply(HTTPStatus.INTERNAL_SERVER_ERROR,
                {'error': 'gateway failure'})
        elif mode == 'error':
            self._reply(HTTPStatus.OK, {'ok': False, 'error': '余额不足'})
        elif mode == 'garbage':
            self._reply(HTTPStatus.OK, b'<html>busy</html>', 'text/html')
        else:
            if mode == 'timeout':
                time.sleep(delay)
            self._reply(HTTPStatus.OK, {'ok': True, 'id': delivery['id']})


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state, token=None):
        super().__init__(address, Handler)
        self.state = state
        self.token = token


class _SMTPHandler(socketserver.StreamRequestHandler):

    def _say(self, line):
        self.wfile.write(line.encode('ascii') + b'\r\n')

    def handle(self):
        self._say('220 sms-gateway-test ESMTP')
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode('utf-8', 'replace').strip()
            verb = command[:4].upper()
            if verb in {'HELO', 'EHLO'}:
                self._say('250 sms-gateway-test')
            elif verb == 'MAIL':
                sender, recipients = command.split(':', 1)[1].strip(), []
                self._say('250 OK')
            elif verb == 'RCPT':
                recipients.append(command.split(':', 1)[1].strip())
                self._say('250 OK')
            elif verb == 'DATA':
                self._say('354 End data with <CR><LF>.<CR><LF>')
                data = []
                while True:
                    line = self.rfile.readline()
                    if not line or line in {b'.\r\n', b'.\n'}:
                        break
                    if line.startswith(b'..'):
                        line = line[1:]
                    data.append(line)
                self.server.mails.append({
                        'from': sender, 'to': recipients,
                        'data': b''.join(data),
                        })
                self._say('250 OK queued')
            elif verb == 'RSET':
                sender, recipients = None, []
                self._say('250 OK')
            elif verb == 'NOOP':
                self._say('250 OK')
            elif verb == 'QUIT':
                self._say('221 Bye')
                return
            else:
                self._say('502 Command not implemented')


class SMTPSink(socketserver.ThreadingTCPServer):
    "Keeps every mail in .mails; serve_forever() in a thread"
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address=('127.0.0.1', 0)):
        super().__init__(address, _SMTPHandler)
        self.mails = []

    @property
    def port(self):
        return self.server_address[1]

    def start(self):
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--state-file')
    parser.add_argument('--token')
    parser.add_argument('--mode', default='ok', choices=sorted(MODES))
    parser.add_argument('--delay', type=float, default=5)
    args = parser.parse_args(argv)
    state = State(args.state_file, mode=args.mode, delay=args.delay)
    server = GatewayServer((args.host, args.port), state, token=args.token)
    print(json.dumps({'port': server.server_address[1], 'pid': os.getpid()}),
        flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
