import type { Clock } from '../clock.js';
import { AppError } from '../domain/errors.js';
import { MESSAGE_TEXT_MAX_LENGTH } from '../domain/message-status.js';
import {
  canonicalLanguage,
  checkTemplateBody,
  isTemplateName,
  templateVariables,
} from '../domain/templates.js';
import type { MessageTemplate, TemplatesRepository } from '../store/templates-repository.js';

export interface TemplateServiceOptions {
  readonly templates: TemplatesRepository;
  /** Stamps created and changed templates. */
  readonly clock: Clock;
}

/** A template with the variables its body uses. */
export interface TemplateDetails {
  readonly template: MessageTemplate;
  readonly variables: string[];
}

const invalid = (field: string, message: string): AppError =>
  new AppError('invalid_input', `${field}: ${message}`, { details: { field } });

const notFound = (name: string, language: string): AppError =>
  new AppError('not_found', 'No such template.', { details: { name, language } });

const withVariables = (template: MessageTemplate): TemplateDetails => ({
  template,
  variables: templateVariables(template.body),
});

/** A business's message templates, one per name and language, with {{variables}} (or %VARIABLES%). */
export class TemplateService {
  constructor(private readonly o: TemplateServiceOptions) {}

  async list(tenantId: string): Promise<TemplateDetails[]> {
    return (await this.o.templates.list(tenantId)).map(withVariables);
  }

  async get(tenantId: string, name: string, language: string): Promise<TemplateDetails> {
    const key = this.key(name, language);
    const template = await this.o.templates.get(tenantId, key.name, key.language);
    if (!template) throw notFound(key.name, key.language);
    return withVariables(template);
  }

  /** Creates or replaces a template; a body with a malformed placeholder is refused. */
  async put(
    tenantId: string,
    name: string,
    language: string,
    body: string,
  ): Promise<TemplateDetails & { created: boolean }> {
    const key = this.key(name, language);
    if (body.trim() === '') throw invalid('body', 'must not be empty.');
    if (body.length > MESSAGE_TEXT_MAX_LENGTH)
      throw invalid('body', `at most ${MESSAGE_TEXT_MAX_LENGTH} characters.`);
    checkTemplateBody(body, 'body');
    const { template, created } = await this.o.templates.put(
      tenantId,
      key.name,
      key.language,
      body,
      this.o.clock.now(),
    );
    return { ...withVariables(template), created };
  }

  async delete(tenantId: string, name: string, language: string): Promise<void> {
    const key = this.key(name, language);
    if (!(await this.o.templates.delete(tenantId, key.name, key.language)))
      throw notFound(key.name, key.language);
  }

  private key(name: string, language: string): { name: string; language: string } {
    if (!isTemplateName(name)) throw invalid('name', 'letters, digits, "_", "." and "-", up to 64.');
    const canonical = canonicalLanguage(language);
    if (!canonical) throw invalid('language', 'not a language tag such as pt-BR.');
    return { name, language: canonical };
  }
}
