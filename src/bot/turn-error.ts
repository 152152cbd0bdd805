import type { TurnContext } from 'botbuilder';
import { DialogContextError } from 'botbuilder-dialogs';
import type { Logger } from '../log.js';

/**
 * Every channel's `onTurnError`: logs the failure and tells the customer, so a failed turn is never
 * silent. A dialog's error carries its dialog stack with every value the customer typed (phone, date of
 * birth…): only the dialog ids are logged, and the error it wraps goes through the logger's error
 * serializer like any other.
 */
export function turnErrorHandler(logger: Logger): (context: TurnContext, error: Error) => Promise<void> {
  return async (context, error) => {
    const dialogError = error instanceof DialogContextError ? error : undefined;
    logger.error(
      {
        err: dialogError ? dialogError.error : error,
        ...(dialogError && {
          dialogs: dialogError.dialogContext.stack.map((instance) => instance.id),
        }),
        channelId: context.activity.channelId,
        conversationId: context.activity.conversation?.id,
      },
      'bot turn failed',
    );
    try {
      await context.sendActivity(
        'Sorry, something went wrong on our side. Please try that again in a moment.',
      );
    } catch (sendError) {
      logger.error({ err: sendError }, 'could not tell the user about a failed turn');
    }
  };
}
