/**
 * How a dialog says that the answer to a prompt is personal (a date of birth, a policy number, a
 * phone), without knowing which channel carries it: the prompt activity carries a `channelData` flag,
 * and every channel that keeps a copy of what customers type (a transcript, a message log) stores the
 * answer to such a prompt redacted, handing the real text only to the turn in memory.
 */
import type { Activity } from 'botbuilder';

const flag = 'sensitiveInput';

/** The prompt, marked as asking for personal input. */
export function asSensitivePrompt<T extends Partial<Activity>>(prompt: T): T {
  const channelData: unknown = prompt.channelData;
  return {
    ...prompt,
    channelData: { ...(typeof channelData === 'object' && channelData), [flag]: true },
  };
}

/** Whether the activity a bot sends asks for personal input (see {@link asSensitivePrompt}). */
export function asksForSensitiveInput(activity: Partial<Activity>): boolean {
  const channelData: unknown = activity.channelData;
  return (
    typeof channelData === 'object' &&
    channelData !== null &&
    (channelData as Record<string, unknown>)[flag] === true
  );
}
