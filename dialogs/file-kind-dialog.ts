import { MessageFactory } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { DraftAttachment } from '../src/domain/claim-drafts.js';
import { BaseDialog } from './base-dialog.js';
import type { ReceivedFiles } from './claim-answers.js';
import type { DialogDependencies } from './dependencies.js';

export const fileKindDialogId = 'fileKindDialog';
const waterfallId = 'fileKindDialog.steps';
const kindPromptId = 'fileKindDialog.kind';

/** The answer for a file that is none of the wanted documents. */
export const otherKind = 'Something else';
/** The checklist tag of such a file: set, so the file never ticks a wanted document off by default. */
export const otherItemCode = 'other';

/** The files of a claim, and those among them whose kind their type could not tell. */
export interface FileKindOptions {
  files: DraftAttachment[];
  unsure: ReceivedFiles['unsure'];
}

/**
 * Asks which wanted document each file is whose type cannot tell ("What is scan-0041.pdf?", with the
 * wanted items and "Something else" as buttons), one file at a time, and ends with the files tagged.
 * A later file is asked about only for the items still open once the earlier ones are answered.
 */
export class FileKindDialog extends BaseDialog {
  readonly purpose = 'I am asking what the file you sent is: pick one of the buttons.';

  constructor(deps: DialogDependencies) {
    super(fileKindDialogId, deps);
    this.addDialog(new TextPrompt(kindPromptId, (prompt) => this.validateKind(prompt))).addDialog(
      new WaterfallDialog(waterfallId, [(step) => this.ask(step), (step) => this.record(step)]),
    );
    this.initialDialogId = waterfallId;
  }

  private async ask(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { files, unsure } = step.options as FileKindOptions;
    const file = unsure[0];
    if (!file) return step.endDialog(files);
    const labels = [...file.candidates.map((item) => item.label), otherKind];
    return step.prompt(kindPromptId, {
      prompt: MessageFactory.suggestedActions(labels, `What is ${file.name}?`),
      retryPrompt: MessageFactory.suggestedActions(labels, `Please pick what ${file.name} is.`),
      validations: labels,
    });
  }

  private async record(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { files, unsure } = step.options as FileKindOptions;
    const [file, ...rest] = unsure;
    const item = file?.candidates.find((candidate) => candidate.label === step.result);
    const tagged = files.map((kept) =>
      kept.fileId === file?.fileId ? { ...kept, checklistItem: item?.code ?? otherItemCode } : kept,
    );
    const chosen = new Set(tagged.flatMap((kept) => (kept.checklistItem ? [kept.checklistItem] : [])));
    const left = rest
      .map((other) => ({
        ...other,
        candidates: other.candidates.filter((candidate) => !chosen.has(candidate.code)),
      }))
      .filter((other) => other.candidates.length > 0);
    return step.replaceDialog(waterfallId, { files: tagged, unsure: left } satisfies FileKindOptions);
  }

  /** One of the offered labels, case-insensitive. */
  private async validateKind(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const offered = prompt.options.validations as string[];
    const typed = (prompt.recognized.value ?? '').trim().toLowerCase();
    const found = offered.find((label) => label.toLowerCase() === typed);
    if (found) prompt.recognized.value = found;
    return found !== undefined;
  }
}
