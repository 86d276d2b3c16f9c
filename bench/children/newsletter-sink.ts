// The mail server for the newsletter benchmark, in its own process so it never shares an event loop with the
// sender: smtp-server on loopback, accepting every message and throwing its bytes away, counting what it took.
// It reports its port when listening, answers { count: true } with how many messages it has accepted, and
// exits when its parent goes away.
import { SMTPServer } from 'smtp-server';

if (!process.send) throw new Error('this script is started by bench/newsletter.ts (npm run bench)');
process.on('disconnect', () => process.exit(0));

let accepted = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  maxClients: 1000,
  onData(stream, _session, cb) {
    stream.on('end', () => {
      accepted++;
      cb();
    });
    stream.resume();
  },
});

server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as { port: number }).port });
});
process.on('message', (m: { count?: boolean }) => {
  if (m.count) process.send!({ count: accepted });
});
