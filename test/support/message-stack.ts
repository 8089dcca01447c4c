import type { Clock } from '../../src/clock.js';
import { StatusRecorder } from '../../src/dispatch/status-recorder.js';
import { noMessageEvents, type MessageEventSink } from '../../src/messages/message-event-sink.js';
import { MessageService } from '../../src/messages/message-service.js';
import type { Database } from '../../src/store/database.js';
import { InboundMessagesRepository } from '../../src/store/inbound-messages-repository.js';
import { MessageQueueRepository } from '../../src/store/message-queue-repository.js';
import { MessagesRepository } from '../../src/store/messages-repository.js';
import { RecipientChecksRepository } from '../../src/store/recipient-checks-repository.js';
import { TemplatesRepository } from '../../src/store/templates-repository.js';

/** The message side as the gateway builds it, on a test database: its queue, recorder and service. */
export function messageStack(
  db: Database,
  clock: Clock,
  sink: MessageEventSink = noMessageEvents,
): { queue: MessageQueueRepository; recorder: StatusRecorder; messages: MessageService } {
  const queue = new MessageQueueRepository(db);
  const recorder = new StatusRecorder({
    db,
    queue,
    inbound: new InboundMessagesRepository(db),
    recipientChecks: new RecipientChecksRepository(db),
    sink,
    clock,
  });
  const messages = new MessageService({
    db,
    messages: new MessagesRepository(db),
    templates: new TemplatesRepository(db),
    sink,
    recorder,
    clock,
  });
  return { queue, recorder, messages };
}
