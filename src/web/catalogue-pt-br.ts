import { helpPtBR } from './catalogue-help-pt-br.js';
import type { Catalogue } from './catalogue-en.js';
import { notifyPtBR } from '../integrations/altegio/web/catalogue/notify-pt-br.js';

/** Brazilian Portuguese: the seed's own words wherever it has them. */
export const ptBR: Catalogue = {
  'lang.label': 'Idioma',
  'common.skip': 'Pular para o conteúdo',
  'common.close': 'Fechar',
  'common.copy': 'Copiar',
  'common.copied': 'Copiado',
  'common.copyFailed': 'Não foi possível copiar. Selecione o link e copie manualmente.',
  'common.networkError':
    'Não foi possível falar com o servidor. Verifique a conexão com a internet e tente novamente.',
  'common.error.required': 'Preencha este campo.',
  'common.error.tooShort': 'Muito curto: escreva pelo menos {minimum} caracteres.',
  'common.error.tooLong': 'Muito longo: escreva no máximo {maximum} caracteres.',
  'common.error.invalid': 'Este valor não foi aceito. Confira e tente de novo.',
  'common.error.phone':
    'Não é um número de telefone que possamos usar. Escreva com o código do país, ex.: +55 11 91234 5678.',
  'common.error.timeZone': 'Não é um nome de fuso horário como America/Sao_Paulo.',
  'common.error.unauthorized': 'Sua sessão terminou. Entre novamente.',
  'common.error.forbidden': 'Você não tem permissão para fazer isso.',
  'common.error.notFound': 'Não encontrado. Pode ter sido removido: recarregue a página.',
  'common.error.conflict':
    'Isso não pode ser feito agora: a página pode estar desatualizada. Recarregue e tente de novo.',
  'common.error.rateLimited': 'Tentativas demais. Aguarde alguns minutos e tente de novo.',
  'common.error.tooLarge': 'Isto é grande demais para enviar.',
  'common.error.unavailable': 'O serviço está indisponível por um instante. Tente de novo em breve.',
  'common.error.internal': 'Algo deu errado do nosso lado. Tente de novo; se continuar, fale com o suporte.',
  'common.liveLost': 'Atualizações ao vivo pausadas — reconectando…',
  'common.noscript': 'Esta página precisa de JavaScript para se manter atualizada.',
  'common.support': 'Suporte',
  'common.howToScan': 'Como escanear',
  'common.signOut': 'Sair',
  'common.reset': 'Redefinir',

  'title.settings': 'Configurações',
  'title.channels': 'Canais — WhatsApp',
  'title.qrPage': 'Conexão do WhatsApp',
  'title.help': 'Como escanear',
  'title.support': 'Console do suporte',
  'title.gone': 'Link inválido',
  'title.login': 'Acesso necessário',
  'title.messages': 'Mensagens',
  'title.notifications': 'Notificações',

  'supportLogin.heading': 'Console de suporte',
  'supportLogin.intro':
    'Entre com uma chave de API de suporte ou de administrador. O navegador guarda uma sessão, nunca a chave.',
  'supportLogin.key': 'Chave de API de suporte',
  'supportLogin.submit': 'Entrar',
  'supportLogin.wrongKey': 'Essa não é uma chave de suporte. Confira e tente novamente.',

  'nav.label': 'Seções do painel',
  'nav.settings': 'Configurações',
  'nav.channels': 'Canais',
  'nav.messages': 'Mensagens',
  'nav.notifications': 'Notificações',

  'panel.settingsIntro':
    'Conecte o número de WhatsApp que envia as notificações de agendamento aos seus clientes.',
  'panel.channelsIntro': 'Os números de WhatsApp que enviam as suas notificações de agendamento.',
  'panel.noChannels': 'Ainda não há canal de WhatsApp. Entre em contato com o suporte para adicionar um.',
  'panel.helpLine': 'Problemas para conectar?',

  'wa.title': 'WhatsApp',
  'wa.number': 'Número',
  'wa.linkedAt': 'Conectado em',
  'wa.app': 'Aplicativo',
  'wa.appBusiness': 'WhatsApp Business',
  'wa.appPersonal': 'WhatsApp (não Business)',
  'wa.newChats': 'Novas conversas neste mês',
  'wa.newChatsUsed': '{used} de {quota}',
  'wa.newChatsUnknown': 'O WhatsApp não informou quantas',
  'wa.newChatsState.none': 'reinicia em {time}',
  'wa.newChatsState.first_warning':
    '80% usado — no limite, primeiras mensagens a novos clientes esperam até {time}',
  'wa.newChatsState.second_warning':
    '90% usado — no limite, primeiras mensagens a novos clientes esperam até {time}',
  'wa.newChatsState.capped':
    'Limite atingido — primeiras mensagens a novos clientes esperam até {time} (envie um SMS); clientes conhecidos continuam recebendo',
  'wa.recommendBusiness':
    'Recomendamos o uso do aplicativo WhatsApp Business no telefone para garantir o funcionamento correto da integração.',
  'wa.linkMode': 'Modo de conexão',
  'wa.modeQr': 'Escanear código QR',
  'wa.modeCode': 'Inserir código',
  'wa.qrPageLink': 'Link da página com o código QR',
  'wa.qrPageHint':
    'Envie este link a quem está com o telefone de envio. Ele mostra apenas o código QR deste número e deixa de funcionar após Redefinir.',
  'wa.noQrPageLink': 'Ainda não há link da página com o código QR.',
  'wa.openQr': 'Mostrar o código QR',
  'wa.openCode': 'Mostrar o código',
  'wa.linkAnother': 'Conectar outro telefone',
  'wa.scanHint':
    'Clique para abrir o código QR e escaneie-o com o telefone do qual as notificações serão enviadas.',
  'wa.codeHint': 'Clique para ver o código a inserir no telefone do qual as notificações serão enviadas.',
  'wa.codeLive': 'Código a inserir agora',
  'wa.messageLog': 'Histórico de mensagens',

  'messages.intro':
    'Todas as notificações enviadas pelo seu número de WhatsApp, das mais novas às mais antigas, e o que aconteceu com cada uma.',
  'messages.channel': 'Canal',
  'messages.phone': 'Número de telefone',
  'messages.phonePlaceholder': 'ex.: +55 11 98765-4321',
  'messages.phoneInvalid':
    'Número de telefone: não é um número válido. Escreva com o código do país, ex.: +55 11 98765-4321.',
  'messages.statusFilter': 'Status',
  'messages.allStatuses': 'Todos os status',
  'messages.search': 'Buscar',
  'messages.clear': 'Limpar',
  'messages.queueTitle': 'Fila de envio',
  'messages.waiting': 'Aguardando envio',
  'messages.connection': 'Conexão',
  'messages.sending': 'Envio',
  'messages.sendingOn': 'Ativo',
  'messages.sendingPaused': 'Pausado',
  'messages.restricted': 'Sem novos contatos até',
  'messages.pause': 'Pausar envio',
  'messages.resume': 'Retomar envio',
  'messages.pausedManual': 'O envio está pausado. As novas mensagens aguardam na fila até você retomar.',
  'messages.pausedRemoved':
    'O envio parou porque este dispositivo foi removido no telefone. Conecte o telefone novamente e o envio volta sozinho.',
  'messages.waitsForLink': 'As mensagens aguardam na fila e saem assim que o telefone estiver conectado.',
  'messages.restrictedUntil':
    'O WhatsApp restringiu este número até {time}: mensagens para clientes que nunca conversaram com ele falham como “restrita” (envie um SMS); os demais recebem normalmente.',
  'messages.toChannels': 'Ir para Canais',
  'messages.logTitle': 'Histórico de mensagens',
  'messages.caption': 'Mensagens enviadas por {channel}, das mais novas às mais antigas',
  'messages.colTime': 'Horário',
  'messages.colTo': 'Destinatário',
  'messages.colText': 'Texto',
  'messages.colStatus': 'Status',
  'messages.colReason': 'Motivo',
  'messages.fullText': '(ver o texto completo)',
  'messages.status.queued': 'Na fila',
  'messages.status.sending': 'Enviando',
  'messages.status.sent': 'Enviada',
  'messages.status.delivered': 'Entregue',
  'messages.status.read': 'Lida',
  'messages.status.failed': 'Falhou',
  'wa.sendTest': 'Enviar uma mensagem de teste',
  'messages.test.title': 'Enviar uma mensagem de teste',
  'messages.test.hint':
    'Digite o seu próprio número: uma mensagem curta vai para ele a partir deste número de WhatsApp e aparece no histórico abaixo.',
  'messages.test.phone': 'O seu número de telefone',
  'messages.test.send': 'Enviar mensagem de teste',
  'messages.test.sent': 'Mensagem de teste enviada. Acompanhe no histórico abaixo.',
  'messages.test.failed':
    'Não foi possível enviar a mensagem de teste. Tente novamente ou fale com o suporte.',
  'messages.test.phoneInvalid':
    'Isso não é um número de telefone. Escreva como você disca, ex.: (11) 98765-4321, ou com o código do país: +55 11 98765-4321.',
  'messages.test.text':
    'Mensagem de teste de {business}: as suas notificações por WhatsApp estão funcionando.',
  'messages.status.scheduled': 'Agendada',
  'messages.wait.scheduled': 'Agendada · {time}',
  'messages.wait.reminder': 'Lembrete · {time}',
  'messages.wait.quiet_hours': 'Agendada · {time} (horário de silêncio)',
  'messages.wait.daily_limit': 'Aguardando: limite diário atingido, volta às {time}',
  'messages.wait.paused': 'Aguardando: o envio está pausado — retome acima',
  'messages.wait.device_removed': 'Aguardando: conecte o telefone novamente e ela sai sozinha',
  'messages.wait.next': 'Próxima da fila: sai em instantes',
  'messages.wait.not_linked': 'Aguardando: sai assim que o WhatsApp estiver conectado',
  'messages.reason.invalid_number': 'Número inválido — corrija no agendamento',
  'messages.reason.not_on_whatsapp': 'Não tem WhatsApp — envie um SMS',
  'messages.reason.restricted': 'O WhatsApp bloqueou novas conversas por enquanto — envie um SMS',
  'messages.reason.expired': 'Tarde demais para enviar — expirou na fila',
  'messages.reason.cancelled': 'Cancelada antes do envio',
  'messages.reason.channel_removed': 'O canal foi excluído — envie de outra forma',
  'messages.reason.rejected': 'Recusada pelo WhatsApp — confira o número ou fale com o suporte',
  'messages.detail.recipient_token_missing':
    'O WhatsApp recusou uma primeira mensagem a este cliente (ainda não é um contato confiável) — envie um SMS ou espere ele escrever para você',
  'messages.detail.misaddressed':
    'O WhatsApp recusou no número deste cliente e no ID privado dele — confira o número ou fale com o suporte',
  'messages.detail.reach_out_timelock':
    'O WhatsApp bloqueou novas conversas deste número por enquanto — envie um SMS; clientes conhecidos continuam recebendo',
  'messages.detail.new_chats_capped':
    'O limite de novas conversas deste mês foi atingido — envie um SMS; clientes conhecidos continuam recebendo',
  'messages.errorCode': 'código {code}',
  'messages.empty': 'Nenhuma mensagem ainda. As notificações do seu sistema de agendamento aparecem aqui.',
  'messages.noMatch': 'Nenhuma mensagem corresponde a esta busca.',
  'messages.loadMore': 'Carregar mais',
  'messages.newest': 'Voltar às mais recentes',

  'scan.qr': 'Escaneie o código QR',
  'scan.code': 'Insira o código no telefone',
  'status.connected': 'Conexão estabelecida',
  'status.pairing': 'Conectando…',
  'status.reconnecting': 'Reconectando…',
  'status.removed.qr': 'O dispositivo foi removido no telefone — escaneie novamente',
  'status.removed.code': 'O dispositivo foi removido no telefone — conecte novamente',
  'status.replaced.qr': 'Outra conexão assumiu este vínculo — escaneie novamente',
  'status.replaced.code': 'Outra conexão assumiu este vínculo — conecte novamente',

  'state.not_linked': 'Não conectado',
  'state.showing_qr': 'Mostrando QR',
  'state.showing_code': 'Mostrando código',
  'state.pairing': 'Conectando',
  'state.connected': 'Conectado',
  'state.reconnecting': 'Reconectando',
  'state.removed': 'Removido no telefone',
  'state.replaced': 'Substituído',
  'state.restricted': 'Restrito',

  'note.pairing':
    'O telefone está concluindo a conexão. Mantenha o WhatsApp aberto nele por alguns segundos.',
  'note.reconnecting':
    'A conexão com o WhatsApp caiu e está sendo restabelecida. As notificações aguardam e são enviadas quando ela voltar. Mantenha o telefone ligado e com internet.',
  'note.removed':
    'Este dispositivo foi removido em Dispositivos conectados no telefone, então as notificações não podem ser enviadas. Conecte o telefone novamente.',
  'note.replaced':
    'Outra conexão foi aberta com este mesmo vínculo, e o WhatsApp fechou esta. Se você não esperava isso, clique em Redefinir e conecte o telefone novamente.',
  'note.restricted':
    'O WhatsApp impediu temporariamente que este número inicie conversas novas. Até a restrição terminar, as notificações para clientes que nunca conversaram com este número falham com o motivo “restricted” (seu sistema de agendamento pode enviar um SMS); os demais continuam recebendo.',
  'note.versionRefused':
    'O WhatsApp deixou de aceitar a versão do WhatsApp Web que este gateway anunciava. O gateway está atualizando a versão e se reconecta sozinho em um ou dois minutos, sem escanear de novo. Enquanto isso, as notificações aguardam.',
  'note.newChatsCapped':
    'Este número atingiu o limite mensal de novas conversas do WhatsApp. Até o ciclo terminar, as notificações para clientes que nunca conversaram com este número falham com o motivo “restricted” (seu sistema de agendamento pode enviar um SMS); os demais continuam recebendo.',
  'note.passkeyRequired':
    'O WhatsApp pede uma chave de acesso (passkey) para este número, e o gateway não pode fornecê-la. No celular, remova a chave de acesso (Configurações → Conta → Chaves de acesso) e escaneie de novo; se o WhatsApp continuar exigindo, conecte outro número ou fale com o suporte.',
  'note.loginRefused':
    'O WhatsApp recusou a conexão. A conta deve ter sido criada há pelo menos 7 dias e ter conversas ativas. Aguarde alguns minutos e tente novamente.',
  'note.expired': 'Conexão em pausa: ninguém estava com o código aberto.',

  'cause.created': 'Canal criado',
  'cause.viewer_opened': 'Janela do QR aberta',
  'cause.link_window_ended': 'Janela de conexão encerrada',
  'cause.viewers_left': 'Todos fecharam o QR code',
  'cause.qr_refs_ended': 'Códigos QR esgotados',
  'cause.scanned': 'QR escaneado',
  'cause.code_entered': 'Código inserido',
  'cause.opened': 'Conexão aberta',
  'cause.restored': 'Sessão restaurada',
  'cause.connection_lost': 'Conexão perdida',
  'cause.version_refused': 'O WhatsApp recusou esta versão do cliente — atualizando',
  'cause.device_removed': 'Dispositivo removido no telefone',
  'cause.replaced': 'Substituído por outra conexão',
  'cause.reset': 'Redefinido',
  'cause.mode_changed': 'Modo de conexão alterado',
  'cause.reach_out_timelock': 'Restringido pelo WhatsApp',
  'cause.passkey_required':
    'O WhatsApp pede uma chave de acesso (passkey) para este número, e o gateway não pode fornecê-la. No celular, remova a chave de acesso (Configurações → Conta → Chaves de acesso) e escaneie de novo; se o WhatsApp continuar exigindo, conecte outro número ou fale com o suporte.',
  'cause.login_refused': 'Login recusado',
  'cause.new_chats_capped': 'Limite mensal de novas conversas do WhatsApp atingido',
  'cause.restriction_ended': 'Restrição encerrada',
  'cause.deleted': 'Canal excluído',

  'link.preparing': 'Preparando o código…',
  'link.slow': 'Ainda conectando ao WhatsApp…',
  'link.stuckTitle': 'O WhatsApp ainda não enviou o código',
  'link.passkeyTitle': 'O WhatsApp pede uma chave de acesso neste celular — a conexão não foi concluída',
  'link.stuck.unreachable':
    'Este servidor não consegue se conectar ao WhatsApp agora (a conexão com a internet ou um firewall). Tente de novo em instantes; se continuar, fale com o suporte.',
  'link.stuck.no_answer':
    'O WhatsApp não está respondendo a este servidor agora. Tente de novo em instantes; se continuar, fale com o suporte.',
  'link.stuck.whatsapp_error':
    'O WhatsApp respondeu com um erro do lado dele. Costuma ser breve: tente de novo em instantes.',
  'link.stuck.version_refused':
    'O WhatsApp recusou esta versão do gateway; ele está se atualizando. Tente de novo em instantes.',
  'link.retry': 'Tentar de novo',
  'link.qrLabel': 'Código QR para escanear com o WhatsApp',
  'link.qrCountdown': 'Novo código QR em {seconds} s',
  'link.codeCountdown': 'Novo código em {seconds} s',
  'link.refreshing': 'Atualizando…',
  'link.liveNote':
    'Escaneie direto desta tela, não de uma captura de tela: o código é dinâmico e se atualiza.',
  'link.stepsTitle': 'No telefone do qual as notificações serão enviadas:',
  'link.qrStep1':
    'Abra o WhatsApp (recomendamos o WhatsApp Business) e toque em ⚙ (iPhone) ou ⋮ (Android) → Dispositivos conectados → Vincular um dispositivo.',
  'link.qrStep2': 'A câmera será aberta: aponte-a para este código QR.',
  'link.qrStep3':
    'Ao escanear com sucesso, em alguns segundos aparecerá o texto “Conexão estabelecida”, e no aplicativo no telefone aparecerá um novo dispositivo.',
  'link.codeStep1':
    'Abra o WhatsApp e toque em ⚙ (iPhone) ou ⋮ (Android) → Dispositivos conectados → Vincular um dispositivo → Vincular com número de telefone.',
  'link.codeStep2':
    'No campo que aparece, digite o código mostrado aqui. Ele é dinâmico e é atualizado aproximadamente uma vez por minuto.',
  'link.codeStep3':
    'Após a inserção bem-sucedida, o status “Conexão estabelecida” será exibido, e um novo dispositivo aparecerá no aplicativo do telefone.',
  'link.codeLabel': 'Código a inserir no telefone',
  'link.phoneTitle': 'Qual telefone enviará as notificações?',
  'link.phoneHelp':
    'Informe o número de WhatsApp dele com o código do país, por exemplo +55 11 98765-4321. O código só funciona nesse telefone.',
  'link.phoneLabel': 'Número de WhatsApp do telefone de envio',
  'link.phoneSubmit': 'Mostrar o código',
  'link.expired': 'Conexão em pausa',
  'link.expiredHelp':
    'Novos códigos só são gerados enquanto esta janela está aberta. Mostre um novo código para continuar.',
  'link.showNew': 'Mostrar um novo código',
  'link.connectedHelp': 'No aplicativo do telefone aparece um novo dispositivo conectado.',
  'link.resetHint': 'Para conectar outro telefone, clique em Redefinir.',
  'link.resetConfirm':
    'Redefinir a conexão? O telefone conectado agora, se houver, será desconectado e um novo código será mostrado, para você conectar outro telefone.',

  'qr.heading': 'Conexão do WhatsApp',
  'qr.fullScreen': 'Tela cheia',
  'qr.exitFullScreen': 'Sair da tela cheia',
  'qr.done': 'A configuração está concluída; você pode fechar esta página.',
  'qr.resetConfirm':
    'Redefinir? Este link deixa de funcionar e um novo é aberto. O telefone conectado agora, se houver, será desconectado.',
  'qr.onPhone':
    'Parece que você está em um telefone. O telefone que envia as notificações não consegue escanear a própria tela: abra este link em outra tela (um computador ou tablet) ou conecte com um código.',
  'qr.useCode': 'Conectar com um código',
  'qr.useQr': 'Escanear um QR code',
  'qr.resetTitle': 'Redefinir este link?',
  'qr.resetYes': 'Sim, redefinir',
  'qr.resetNo': 'Manter este link',
  'qr.forBusiness': 'Para {business}',

  'support.altegio.waiting_link': 'aguardando a conexão do WhatsApp',
  'support.altegio.sending': 'ativando…',
  'support.altegio.accepted': 'ativo',
  'support.altegio.failed': 'a ativação falhou',
  'support.altegio.expired': 'prazo de ativação (12 h) perdido — o dono precisa clicar em Conectar de novo',
  'support.altegio.frozen': 'congelado',
  'support.altegio.uninstalled': 'desinstalado',
  'support.heading': 'Console do suporte',
  'support.filter': 'Filtrar',
  'support.filterPlaceholder': 'Empresa, canal ou número',
  'support.count': 'Canais: {count}',
  'support.colBusiness': 'Empresa',
  'support.colChannel': 'Canal',
  'support.colStatus': 'Status',
  'support.colNumber': 'Número',
  'support.colLastEvent': 'Último evento',
  'support.colMode': 'Modo de conexão',
  'support.colActions': 'Ações',
  'support.codeMode': 'Modo de inserção de código para {channel}',
  'support.segQr': 'QR',
  'support.segCode': 'Código',
  'support.copyLink': 'Copiar link da página QR',
  'support.resetConfirm':
    'Redefinir a conexão de “{channel}” ({business})? O telefone conectado será desconectado e o link da página QR muda.',
  'support.empty': 'Ainda não há empresas.',
  'support.altegioNoUserToken':
    'ALTEGIO: ALTEGIO_USER_TOKEN não está definido. As instalações e as mensagens do ALTEGIO funcionam, mas os agendamentos não podem ser lidos nem confirmados no ALTEGIO. Defina o token do usuário de sistema do aplicativo (configurações de desenvolvedor do ALTEGIO) e reinicie.',
  'support.noMatch': 'Nenhum canal corresponde ao filtro.',
  'support.noEvent': 'Nenhum evento ainda',
  'support.newBusiness': 'Criar empresa',
  'support.newBusiness.name': 'Nome da empresa',
  'support.newBusiness.timeZone': 'Fuso horário',
  'support.newBusiness.language': 'Idioma',
  'support.newBusiness.create': 'Criar',
  'support.newBusiness.badTimeZone': 'Fuso horário: não é um nome de fuso como America/Sao_Paulo.',
  'support.newBusiness.badName': 'Nome da empresa: informe um nome (até 200 caracteres).',
  'support.created.title': 'Empresa criada: {name}',
  'support.created.apiKey': 'Chave de API',
  'support.created.apiKeyOnce':
    'A chave de API é mostrada só agora. Copie e guarde em lugar seguro; depois é possível emitir outra, mas esta não será mostrada de novo.',
  'support.created.panelLink': 'Link de acesso ao painel',
  'support.created.panelLinkHelp':
    'Envie para a empresa: ele abre o painel uma vez (Configurações → WhatsApp conecta o número).',
  'support.created.qrLink': 'Link da página do QR code',
  'support.created.qrLinkHelp':
    'A página avulsa com o QR code ao vivo, para quem estiver com o celular de envio.',
  'support.created.apiHelp': 'Envie mensagens com a chave de API; a documentação interativa da API está em',
  'support.created.back': 'Voltar ao console',

  'gone.title': 'Este link não é mais válido',
  'gone.body':
    'Ele foi redefinido ou expirou. Peça um novo a quem o enviou ou entre em contato com o suporte.',
  'install.title': 'Não foi possível verificar a conexão vinda do ALTEGIO',
  'install.body':
    'Abra o Zapgate novamente pelo ALTEGIO (Integrações → Notificações → Zapgate → Conectar). Se continuar acontecendo, fale com o suporte.',
  'title.install': 'Conectar pelo ALTEGIO',
  'install.knownTitle': 'Este salão já está conectado ao Zapgate',
  'install.knownBody':
    'Por segurança, um clique no ALTEGIO só abre o painel para quem conectou o salão. Abra o painel pelo seu link de acesso (no seu sistema de agendamento ou na mensagem que enviamos), ou peça um novo ao suporte.',
  'install.openPanel': 'Abrir o painel',

  'login.title': 'Abra o link de acesso que você recebeu',
  'login.body':
    'O painel abre pelo seu link de acesso pessoal, no seu sistema de agendamento ou na mensagem que enviamos. Se ele expirou, peça um novo.',
  'login.usedTitle': 'Este link de acesso já foi usado',
  'login.usedBody':
    'Por segurança, cada link de acesso abre o painel uma única vez, em um navegador. Para entrar de novo, abra o painel pelo seu sistema de agendamento (ele gera um novo link) ou peça um novo link ao suporte.',
  'login.expiredTitle': 'Este link de acesso expirou',
  'login.expiredBody':
    'Os links de acesso valem por tempo limitado. Abra o painel pelo seu sistema de agendamento (ele gera um novo link) ou peça um novo link ao suporte.',
  'login.askNew': 'Pedir um novo link ao suporte',

  // The linking help (catalogue-help-*.ts).
  ...helpPtBR,
  // The ALTEGIO Notifications tab: the slice's own strings.
  ...notifyPtBR,
};
