import type { HelpKey } from './catalogue-help-en.js';

/** Brazilian Portuguese words of the linking help: exactly the English key set. */
export const helpPtBR: Readonly<Record<HelpKey, string>> = {
  'help.title': 'Como escanear: conexão do WhatsApp',
  'help.toc': 'Nesta página',
  'help.needTitle': 'Do que você precisa',
  'help.intro': 'Todo o processo normalmente leva não mais do que 5 minutos, e para isso, precisaremos de:',
  'help.needPhone':
    'um telefone a partir do qual as notificações serão enviadas (será utilizado para escanear);',
  'help.needScreen':
    'um notebook/tablet/telefone para acessar o painel pessoal ou a página com o código QR (este dispositivo mostrará o código QR).',
  'help.requirement':
    'Por favor, observe que a conta do WhatsApp a ser conectada deve ter sido criada há pelo menos 7 dias antes da conexão, e deve haver conversas ativas na conta.',
  'help.panelTitle': 'Instrução de conexão pelo painel',
  'help.panelStep1':
    'No seu computador/tablet/telefone, abra o painel pessoal (no ALTEGIO: Integrações → Notificações, e então este gateway de WhatsApp) e vá para a aba Configurações.',
  'help.panelStep2':
    'No bloco com o título WhatsApp, clique no texto com fundo vermelho “Escaneie o código QR”.',
  'help.panelStep3':
    'Após clicar no texto, uma janela com o código QR será aberta. Na mesma janela, há também um botão “Redefinir”, caso você precise conectar outro telefone para o envio de notificações.',
  'help.panelStep4':
    'Pegue o telefone do qual as notificações serão enviadas, com o WhatsApp Business instalado, abra o aplicativo WhatsApp e toque em ⚙ (iPhone) ou ⋮ (Android) → Dispositivos conectados → Vincular um dispositivo.',
  'help.panelStep5':
    'A câmera será aberta, e você precisará apontá-la para o QR que abrimos na etapa anterior.',
  'help.panelStep6':
    'Ao escanear com sucesso, em alguns segundos aparecerá o texto “Conexão estabelecida”, e no aplicativo no telefone aparecerá um novo dispositivo.',
  'help.pageTitle': 'Instrução de conexão a partir da página com o código QR',
  'help.pageLive':
    'A digitalização deve ser feita diretamente no link no navegador; não será possível vincular o dispositivo através de uma captura de tela, pois o código é dinâmico e se atualiza constantemente.',
  'help.pageOpen':
    'Acesse no computador, tablet ou telefone (neste caso, aumente o código QR para ocupar a tela inteira com o botão “Tela cheia”) o link da página com o código QR, que foi enviado nas instruções de conexão.',
  'help.pageButtons':
    'A página com o código QR será aberta, junto com uma breve instrução e os botões Redefinir (se precisar vincular outro telefone para enviar notificações), Suporte (se precisar de ajuda do suporte técnico) e Como escanear (link para estas instruções).',
  'help.pageScan':
    'No telefone do qual as notificações serão enviadas, abra o WhatsApp e toque em ⚙ (iPhone) ou ⋮ (Android) → Dispositivos conectados → Vincular um dispositivo, e aponte a câmera para o código QR.',
  'help.pageDone':
    'Após a digitalização bem-sucedida, em alguns segundos, o texto “Conexão estabelecida” aparecerá em um fundo verde, e um novo dispositivo será exibido no aplicativo do telefone. Com isso, a configuração está concluída, e a página com o código QR pode ser fechada.',
  'help.codeTitle': 'Vinculação de dispositivo através do código',
  'help.codeIntro':
    'Se, por algum motivo, não for possível realizar a digitalização, entre em contato com o suporte técnico, e nós mudaremos a conta para o modo de inserção de código. Nesse caso, não será necessário escanear o código QR, será preciso inserir o código.',
  'help.codeStep1':
    'No telefone do qual as notificações serão enviadas, abra o aplicativo WhatsApp e toque em ⚙ (iPhone) ou ⋮ (Android) → Dispositivos conectados → Vincular um dispositivo → Vincular com número de telefone. Na tela aparecerá um campo para inserir o código.',
  'help.codeStep2':
    'Acesse o painel de controle na seção Canais → WhatsApp ou a página com o código QR, onde será exibido o código que deverá ser inserido no aplicativo WhatsApp no telefone. Se for pedido, informe antes o número do telefone de envio.',
  'help.codeStep3':
    'O código é dinâmico e é atualizado aproximadamente uma vez por minuto. Após a inserção bem-sucedida, o status “Conexão estabelecida” será exibido, e um novo dispositivo aparecerá no aplicativo do telefone.',
  'help.errorsTitle': 'Erros possíveis',
  'help.errorsIntro':
    'Geralmente, o código QR é escaneado sem grandes problemas, mas há casos em que o aplicativo WhatsApp exibe um erro. Vamos analisar os mais comuns:',
  'help.errCantLinkTitle': '“Não é possível vincular novos dispositivos no momento”',
  'help.errCantLinkBody':
    'Certifique-se de que a digitalização está sendo feita diretamente do painel de controle ou da página com o código QR, e não de uma captura de tela, e tente novamente.',
  'help.errInvalidTitle': '“QR-code inválido”',
  'help.errInvalidBody': 'Clique no botão Redefinir, aguarde alguns minutos e tente escanear novamente.',
  'help.tipsTitle': 'Dicas adicionais',
  'help.tipBusiness':
    'Recomendamos o uso do aplicativo WhatsApp Business no telefone para garantir o funcionamento correto da integração.',
  'help.tipSameNetwork':
    'Certifique-se de que ambos os dispositivos estão usando a mesma conexão de internet.',
  'help.tipRestart':
    'Se, por algum motivo, não for possível conectar o telefone ao serviço, reinicie ambos os dispositivos.',
  'help.tipCamera':
    'Se a câmera do dispositivo que enviará as notificações não funcionar para ler o código QR, entre em contato com o suporte.',
};
