import { helpEs } from './catalogue-help-es.js';
import type { Catalogue } from './catalogue-en.js';
import { notifyEs } from '../integrations/altegio/web/catalogue/notify-es.js';

/** Spanish. */
export const es: Catalogue = {
  'lang.label': 'Idioma',
  'common.skip': 'Saltar al contenido',
  'common.close': 'Cerrar',
  'common.copy': 'Copiar',
  'common.copied': 'Copiado',
  'common.copyFailed': 'No se pudo copiar. Selecciona el enlace y cópialo a mano.',
  'common.networkError':
    'No se pudo contactar con el servidor. Revisa la conexión a internet e inténtalo de nuevo.',
  'common.error.required': 'Completa este campo.',
  'common.error.tooShort': 'Demasiado corto: escribe al menos {minimum} caracteres.',
  'common.error.tooLong': 'Demasiado largo: escribe como máximo {maximum} caracteres.',
  'common.error.invalid': 'Este valor no fue aceptado. Revísalo e inténtalo de nuevo.',
  'common.error.phone':
    'No es un número de teléfono que podamos usar. Escríbelo con el código de país, p. ej. +34 612 34 56 78.',
  'common.error.timeZone': 'No es un nombre de zona horaria como America/Sao_Paulo.',
  'common.error.unauthorized': 'Tu sesión terminó. Inicia sesión de nuevo.',
  'common.error.forbidden': 'No tienes permiso para hacer esto.',
  'common.error.notFound': 'No se encontró. Puede que se haya eliminado: recarga la página.',
  'common.error.conflict':
    'Esto no se puede hacer ahora: la página puede estar desactualizada. Recárgala e inténtalo de nuevo.',
  'common.error.rateLimited': 'Demasiados intentos. Espera unos minutos e inténtalo de nuevo.',
  'common.error.tooLarge': 'Esto es demasiado grande para enviarlo.',
  'common.error.unavailable': 'El servicio no está disponible por un momento. Inténtalo de nuevo en breve.',
  'common.error.internal':
    'Algo salió mal de nuestro lado. Inténtalo de nuevo; si sigue pasando, contacta con soporte.',
  'common.liveLost': 'Actualizaciones en vivo en pausa — reconectando…',
  'common.noscript': 'Esta página necesita JavaScript para mantenerse al día.',
  'common.support': 'Soporte',
  'common.howToScan': 'Cómo escanear',
  'common.signOut': 'Cerrar sesión',
  'common.reset': 'Restablecer',

  'title.settings': 'Configuración',
  'title.channels': 'Canales — WhatsApp',
  'title.qrPage': 'Conexión de WhatsApp',
  'title.help': 'Cómo escanear',
  'title.support': 'Consola de soporte',
  'title.gone': 'Enlace no válido',
  'title.login': 'Acceso necesario',
  'title.messages': 'Mensajes',
  'title.notifications': 'Notificaciones',

  'supportLogin.heading': 'Consola de soporte',
  'supportLogin.intro':
    'Inicia sesión con una clave de API de soporte o de administrador. El navegador guarda una sesión, nunca la clave.',
  'supportLogin.key': 'Clave de API de soporte',
  'supportLogin.submit': 'Iniciar sesión',
  'supportLogin.wrongKey': 'Esa no es una clave de soporte. Revísala y vuelve a intentarlo.',

  'nav.label': 'Secciones del panel',
  'nav.settings': 'Configuración',
  'nav.channels': 'Canales',
  'nav.messages': 'Mensajes',
  'nav.notifications': 'Notificaciones',

  'panel.settingsIntro':
    'Vincula el número de WhatsApp que envía las notificaciones de citas a tus clientes.',
  'panel.channelsIntro': 'Los números de WhatsApp que envían tus notificaciones de citas.',
  'panel.noChannels': 'Todavía no hay ningún canal de WhatsApp. Contacta con soporte para añadir uno.',
  'panel.helpLine': '¿Problemas para vincular?',

  'wa.title': 'WhatsApp',
  'wa.number': 'Número',
  'wa.linkedAt': 'Vinculado',
  'wa.app': 'Aplicación',
  'wa.appBusiness': 'WhatsApp Business',
  'wa.appPersonal': 'WhatsApp (no Business)',
  'wa.newChats': 'Chats nuevos este mes',
  'wa.newChatsUsed': '{used} de {quota}',
  'wa.newChatsUnknown': 'WhatsApp no ha dicho cuántos',
  'wa.newChatsState.none': 'se reinicia el {time}',
  'wa.newChatsState.first_warning':
    '80 % usado — al llegar al límite, los primeros mensajes a clientes nuevos esperan hasta {time}',
  'wa.newChatsState.second_warning':
    '90 % usado — al llegar al límite, los primeros mensajes a clientes nuevos esperan hasta {time}',
  'wa.newChatsState.capped':
    'Límite alcanzado — los primeros mensajes a clientes nuevos esperan hasta {time} (envíales un SMS); los clientes conocidos siguen recibiendo los suyos',
  'wa.recommendBusiness':
    'Recomendamos usar la aplicación WhatsApp Business en el teléfono para que la integración funcione correctamente.',
  'wa.linkMode': 'Modo de vinculación',
  'wa.modeQr': 'Escanear código QR',
  'wa.modeCode': 'Introducir código',
  'wa.qrPageLink': 'Enlace a la página del código QR',
  'wa.qrPageHint':
    'Envía este enlace a quien tenga el teléfono de envío. Solo muestra el código QR de este número y deja de funcionar tras Restablecer.',
  'wa.noQrPageLink': 'Todavía no hay enlace a la página del código QR.',
  'wa.openQr': 'Mostrar el código QR',
  'wa.openCode': 'Mostrar el código',
  'wa.linkAnother': 'Vincular otro teléfono',
  'wa.scanHint':
    'Haz clic para abrir el código QR y escanéalo con el teléfono que enviará las notificaciones.',
  'wa.codeHint':
    'Haz clic para ver el código que hay que escribir en el teléfono que enviará las notificaciones.',
  'wa.codeLive': 'Código para introducir ahora',
  'wa.messageLog': 'Historial de mensajes',

  'messages.intro':
    'Todas las notificaciones enviadas desde tu número de WhatsApp, de la más nueva a la más antigua, y qué pasó con cada una.',
  'messages.channel': 'Canal',
  'messages.phone': 'Número de teléfono',
  'messages.phonePlaceholder': 'p. ej. +55 11 98765-4321',
  'messages.phoneInvalid':
    'Número de teléfono: no es un número válido. Escríbelo con el código de país, p. ej. +55 11 98765-4321.',
  'messages.statusFilter': 'Estado',
  'messages.allStatuses': 'Todos los estados',
  'messages.search': 'Buscar',
  'messages.clear': 'Borrar',
  'messages.queueTitle': 'Cola de envío',
  'messages.waiting': 'Esperando envío',
  'messages.connection': 'Conexión',
  'messages.sending': 'Envío',
  'messages.sendingOn': 'Activo',
  'messages.sendingPaused': 'En pausa',
  'messages.restricted': 'Sin contactos nuevos hasta',
  'messages.pause': 'Pausar envío',
  'messages.resume': 'Reanudar envío',
  'messages.pausedManual':
    'El envío está en pausa. Los mensajes nuevos esperan en la cola hasta que lo reanudes.',
  'messages.pausedRemoved':
    'El envío se detuvo porque este dispositivo se eliminó en el teléfono. Vuelve a vincular el teléfono y el envío se reanuda solo.',
  'messages.waitsForLink': 'Los mensajes esperan en la cola y salen en cuanto el teléfono esté conectado.',
  'messages.restrictedUntil':
    'WhatsApp restringió este número hasta {time}: los mensajes a clientes que nunca le escribieron fallan como «restringido» (envíales un SMS); los demás los reciben igual.',
  'messages.toChannels': 'Ir a Canales',
  'messages.logTitle': 'Historial de mensajes',
  'messages.caption': 'Mensajes enviados desde {channel}, del más nuevo al más antiguo',
  'messages.colTime': 'Hora',
  'messages.colTo': 'Destinatario',
  'messages.colText': 'Texto',
  'messages.colStatus': 'Estado',
  'messages.colReason': 'Motivo',
  'messages.fullText': '(ver el texto completo)',
  'messages.status.queued': 'En cola',
  'messages.status.sending': 'Enviando',
  'messages.status.sent': 'Enviado',
  'messages.status.delivered': 'Entregado',
  'messages.status.read': 'Leído',
  'messages.status.failed': 'Falló',
  'wa.sendTest': 'Enviar un mensaje de prueba',
  'messages.test.title': 'Enviar un mensaje de prueba',
  'messages.test.hint':
    'Escribe tu propio número: le llega un mensaje corto desde este número de WhatsApp, y aparece en el historial de abajo.',
  'messages.test.phone': 'Tu número de teléfono',
  'messages.test.send': 'Enviar mensaje de prueba',
  'messages.test.sent': 'Mensaje de prueba enviado. Síguelo en el historial de abajo.',
  'messages.test.failed':
    'No se pudo enviar el mensaje de prueba. Inténtalo de nuevo o contacta con soporte.',
  'messages.test.phoneInvalid':
    'Esto no es un número de teléfono. Escríbelo como lo marcas, p. ej. 612 34 56 78, o con el código de país: +34 612 34 56 78.',
  'messages.test.text': 'Mensaje de prueba de {business}: tus notificaciones por WhatsApp funcionan.',
  'messages.status.scheduled': 'Programado',
  'messages.wait.scheduled': 'Programado · {time}',
  'messages.wait.reminder': 'Recordatorio · {time}',
  'messages.wait.quiet_hours': 'Programado · {time} (horas de silencio)',
  'messages.wait.daily_limit': 'En espera: límite diario alcanzado, se reanuda a las {time}',
  'messages.wait.paused': 'En espera: el envío está en pausa — reanúdalo arriba',
  'messages.wait.device_removed': 'En espera: vuelve a vincular el teléfono y sale solo',
  'messages.wait.next': 'La siguiente en la cola: sale en un momento',
  'messages.wait.not_linked': 'En espera: sale en cuanto WhatsApp esté conectado',
  'messages.reason.invalid_number': 'Número no válido — corrígelo en la reserva',
  'messages.reason.not_on_whatsapp': 'No tiene WhatsApp — envía un SMS',
  'messages.reason.restricted': 'WhatsApp bloqueó los chats nuevos por ahora — envía un SMS',
  'messages.reason.expired': 'Demasiado tarde para enviarlo — caducó en la cola',
  'messages.reason.cancelled': 'Cancelado antes de enviarse',
  'messages.reason.channel_removed': 'El canal se eliminó — envíalo de otra forma',
  'messages.reason.rejected': 'WhatsApp lo rechazó — revisa el número o contacta con soporte',
  'messages.detail.recipient_token_missing':
    'WhatsApp rechazó un primer mensaje a este cliente (aún no es un contacto de confianza) — envía un SMS o espera a que te escriba',
  'messages.detail.misaddressed':
    'WhatsApp lo rechazó en el número de este cliente y en su ID privado — revisa el número o contacta con soporte',
  'messages.detail.reach_out_timelock':
    'WhatsApp bloqueó los chats nuevos de este número por ahora — envía un SMS; los clientes conocidos siguen recibiendo los suyos',
  'messages.detail.new_chats_capped':
    'Se alcanzó el límite de chats nuevos de este mes — envía un SMS; los clientes conocidos siguen recibiendo los suyos',
  'messages.errorCode': 'código {code}',
  'messages.empty': 'Aún no hay mensajes. Aquí aparecen las notificaciones de tu sistema de reservas.',
  'messages.noMatch': 'Ningún mensaje coincide con esta búsqueda.',
  'messages.loadMore': 'Cargar más',
  'messages.newest': 'Volver a los más recientes',

  'scan.qr': 'Escanea el código QR',
  'scan.code': 'Introduce el código en el teléfono',
  'status.connected': 'Conexión establecida',
  'status.pairing': 'Vinculando…',
  'status.reconnecting': 'Reconectando…',
  'status.removed.qr': 'El dispositivo se eliminó en el teléfono — vuelve a escanear',
  'status.removed.code': 'El dispositivo se eliminó en el teléfono — vuelve a vincular',
  'status.replaced.qr': 'Otra conexión tomó este vínculo — vuelve a escanear',
  'status.replaced.code': 'Otra conexión tomó este vínculo — vuelve a vincular',

  'state.not_linked': 'Sin vincular',
  'state.showing_qr': 'Mostrando QR',
  'state.showing_code': 'Mostrando código',
  'state.pairing': 'Vinculando',
  'state.connected': 'Conectado',
  'state.reconnecting': 'Reconectando',
  'state.removed': 'Eliminado en el teléfono',
  'state.replaced': 'Reemplazado',
  'state.restricted': 'Restringido',

  'note.pairing': 'El teléfono está terminando la vinculación. Mantén WhatsApp abierto en él unos segundos.',
  'note.reconnecting':
    'Se perdió la conexión con WhatsApp y se está restableciendo. Las notificaciones esperan y se envían cuando vuelva. Mantén el teléfono encendido y con internet.',
  'note.removed':
    'Este dispositivo se eliminó en Dispositivos vinculados del teléfono, así que no se pueden enviar notificaciones. Vuelve a vincular el teléfono.',
  'note.replaced':
    'Se abrió otra conexión con este mismo vínculo y WhatsApp cerró esta. Si no lo esperabas, haz clic en Restablecer y vuelve a vincular el teléfono.',
  'note.restricted':
    'WhatsApp ha impedido temporalmente que este número inicie chats nuevos. Hasta que termine la restricción, las notificaciones a clientes que nunca chatearon con este número fallan con el motivo «restricted» (su sistema de reservas puede enviar un SMS); los demás las siguen recibiendo.',
  'note.versionRefused':
    'WhatsApp dejó de aceptar la versión de WhatsApp Web que anunciaba este gateway. El gateway la está actualizando y se reconecta solo en uno o dos minutos, sin escanear de nuevo. Mientras tanto, las notificaciones esperan.',
  'note.newChatsCapped':
    'Este número alcanzó el límite mensual de chats nuevos de WhatsApp. Hasta que termine el ciclo, las notificaciones a clientes que nunca chatearon con este número fallan con el motivo «restricted» (su sistema de reservas puede enviar un SMS); los demás las siguen recibiendo.',
  'note.passkeyRequired':
    'WhatsApp pide una llave de acceso (passkey) para este número, y el gateway no puede darla. En el teléfono, elimina la llave de acceso (Ajustes → Cuenta → Llaves de acceso) y vuelve a escanear; si WhatsApp sigue exigiéndola, vincula otro número o contacta con soporte.',
  'note.loginRefused':
    'WhatsApp rechazó la vinculación. La cuenta debe tener al menos 7 días y chats activos. Espera unos minutos e inténtalo de nuevo.',
  'note.expired': 'Vinculación en pausa: nadie tenía el código abierto.',

  'cause.created': 'Canal creado',
  'cause.viewer_opened': 'Ventana del QR abierta',
  'cause.link_window_ended': 'Ventana de vinculación terminada',
  'cause.viewers_left': 'Todos cerraron el código QR',
  'cause.qr_refs_ended': 'Códigos QR agotados',
  'cause.scanned': 'QR escaneado',
  'cause.code_entered': 'Código introducido',
  'cause.opened': 'Conexión abierta',
  'cause.restored': 'Sesión restaurada',
  'cause.connection_lost': 'Conexión perdida',
  'cause.version_refused': 'WhatsApp rechazó esta versión del cliente — actualizando',
  'cause.device_removed': 'Dispositivo eliminado en el teléfono',
  'cause.replaced': 'Reemplazado por otra conexión',
  'cause.reset': 'Restablecido',
  'cause.mode_changed': 'Modo de vinculación cambiado',
  'cause.reach_out_timelock': 'Restringido por WhatsApp',
  'cause.passkey_required':
    'WhatsApp pide una llave de acceso (passkey) para este número, y el gateway no puede darla. En el teléfono, elimina la llave de acceso (Ajustes → Cuenta → Llaves de acceso) y vuelve a escanear; si WhatsApp sigue exigiéndola, vincula otro número o contacta con soporte.',
  'cause.login_refused': 'Inicio de sesión rechazado',
  'cause.new_chats_capped': 'Se alcanzó el límite mensual de chats nuevos de WhatsApp',
  'cause.restriction_ended': 'Restricción terminada',
  'cause.deleted': 'Canal eliminado',

  'link.preparing': 'Preparando el código…',
  'link.slow': 'Aún conectando con WhatsApp…',
  'link.stuckTitle': 'WhatsApp aún no envió el código',
  'link.passkeyTitle': 'WhatsApp pide una llave de acceso en este teléfono — la vinculación no se completó',
  'link.stuck.unreachable':
    'Este servidor no logra conectarse con WhatsApp ahora (su conexión a internet o un cortafuegos). Reintenta en un momento; si sigue ocurriendo, contacta a soporte.',
  'link.stuck.no_answer':
    'WhatsApp no responde a este servidor ahora. Reintenta en un momento; si sigue ocurriendo, contacta a soporte.',
  'link.stuck.whatsapp_error':
    'WhatsApp respondió con un error de su lado. Suele ser breve: reintenta en un momento.',
  'link.stuck.version_refused':
    'WhatsApp rechazó esta versión de la pasarela; se está actualizando sola. Reintenta en un momento.',
  'link.retry': 'Reintentar',
  'link.qrLabel': 'Código QR para escanear con WhatsApp',
  'link.qrCountdown': 'Nuevo código QR en {seconds} s',
  'link.codeCountdown': 'Nuevo código en {seconds} s',
  'link.refreshing': 'Actualizando…',
  'link.liveNote': 'Escanéalo desde esta pantalla, no desde una captura: el código cambia constantemente.',
  'link.stepsTitle': 'En el teléfono que enviará las notificaciones:',
  'link.qrStep1':
    'Abre WhatsApp (recomendamos WhatsApp Business) y toca ⚙ (iPhone) o ⋮ (Android) → Dispositivos vinculados → Vincular un dispositivo.',
  'link.qrStep2': 'Se abre la cámara: apúntala a este código QR.',
  'link.qrStep3':
    'Tras escanearlo, en pocos segundos aparece “Conexión establecida” y el teléfono muestra un nuevo dispositivo vinculado.',
  'link.codeStep1':
    'Abre WhatsApp y toca ⚙ (iPhone) o ⋮ (Android) → Dispositivos vinculados → Vincular un dispositivo → “Vincular con el número de teléfono”.',
  'link.codeStep2':
    'Escribe el código que se muestra aquí en el campo que aparece. Cambia más o menos una vez por minuto.',
  'link.codeStep3':
    'Una vez introducido, aparece “Conexión establecida” y el teléfono muestra un nuevo dispositivo vinculado.',
  'link.codeLabel': 'Código para introducir en el teléfono',
  'link.phoneTitle': '¿Qué teléfono enviará las notificaciones?',
  'link.phoneHelp':
    'Escribe su número de WhatsApp con el código de país, por ejemplo +34 612 34 56 78. El código solo funciona en ese teléfono.',
  'link.phoneLabel': 'Número de WhatsApp del teléfono de envío',
  'link.phoneSubmit': 'Mostrar el código',
  'link.expired': 'Vinculación en pausa',
  'link.expiredHelp':
    'Solo se generan códigos nuevos mientras esta ventana está abierta. Muestra un código nuevo para continuar.',
  'link.showNew': 'Mostrar un código nuevo',
  'link.connectedHelp': 'El teléfono muestra ahora un nuevo dispositivo vinculado.',
  'link.resetHint': 'Para vincular otro teléfono, haz clic en Restablecer.',
  'link.resetConfirm':
    '¿Restablecer la vinculación? El teléfono vinculado ahora, si lo hay, se desconecta y se muestra un código nuevo para vincular otro teléfono.',

  'qr.heading': 'Conexión de WhatsApp',
  'qr.fullScreen': 'Pantalla completa',
  'qr.exitFullScreen': 'Salir de pantalla completa',
  'qr.done': 'La configuración ha terminado; puedes cerrar esta página.',
  'qr.resetConfirm':
    '¿Restablecer? Este enlace deja de funcionar y se abre uno nuevo. El teléfono vinculado ahora, si lo hay, se desconecta.',
  'qr.onPhone':
    'Parece que estás en un teléfono. El teléfono que envía las notificaciones no puede escanear su propia pantalla: abre este enlace en otra pantalla (un ordenador o una tableta) o vincula con un código.',
  'qr.useCode': 'Vincular con un código',
  'qr.useQr': 'Escanear un código QR',
  'qr.resetTitle': '¿Restablecer este enlace?',
  'qr.resetYes': 'Sí, restablecer',
  'qr.resetNo': 'Mantener este enlace',
  'qr.forBusiness': 'Para {business}',

  'support.altegio.waiting_link': 'esperando la conexión de WhatsApp',
  'support.altegio.sending': 'activando…',
  'support.altegio.accepted': 'activo',
  'support.altegio.failed': 'la activación falló',
  'support.altegio.expired': 'plazo de activación (12 h) perdido — el dueño debe pulsar Conectar de nuevo',
  'support.altegio.frozen': 'congelado',
  'support.altegio.uninstalled': 'desinstalado',
  'support.heading': 'Consola de soporte',
  'support.filter': 'Filtrar',
  'support.filterPlaceholder': 'Empresa, canal o número',
  'support.count': 'Canales: {count}',
  'support.colBusiness': 'Empresa',
  'support.colChannel': 'Canal',
  'support.colStatus': 'Estado',
  'support.colNumber': 'Número',
  'support.colLastEvent': 'Último evento',
  'support.colMode': 'Modo de vinculación',
  'support.colActions': 'Acciones',
  'support.codeMode': 'Modo de introducción de código para {channel}',
  'support.segQr': 'QR',
  'support.segCode': 'Código',
  'support.copyLink': 'Copiar enlace de la página QR',
  'support.resetConfirm':
    '¿Restablecer la vinculación de “{channel}” ({business})? El teléfono vinculado se desconecta y el enlace de la página QR cambia.',
  'support.empty': 'Todavía no hay empresas.',
  'support.altegioNoUserToken':
    'ALTEGIO: falta ALTEGIO_USER_TOKEN. Las instalaciones y los mensajes de ALTEGIO funcionan, pero las citas no se pueden leer ni confirmar en ALTEGIO. Configure el token del usuario de sistema de la aplicación (ajustes de desarrollador de ALTEGIO) y reinicie.',
  'support.noMatch': 'Ningún canal coincide con el filtro.',
  'support.noEvent': 'Sin eventos todavía',
  'support.newBusiness': 'Crear negocio',
  'support.newBusiness.name': 'Nombre del negocio',
  'support.newBusiness.timeZone': 'Zona horaria',
  'support.newBusiness.language': 'Idioma',
  'support.newBusiness.create': 'Crear',
  'support.newBusiness.badTimeZone':
    'Zona horaria: no es un nombre de zona horaria como America/Mexico_City.',
  'support.newBusiness.badName': 'Nombre del negocio: escribe un nombre (hasta 200 caracteres).',
  'support.created.title': 'Negocio creado: {name}',
  'support.created.apiKey': 'Clave de API',
  'support.created.apiKeyOnce':
    'La clave de API se muestra solo ahora. Cópiala y guárdala en un lugar seguro; después se puede emitir otra, pero esta no se volverá a mostrar.',
  'support.created.panelLink': 'Enlace de acceso al panel',
  'support.created.panelLinkHelp':
    'Envíalo al negocio: abre su panel una vez (Ajustes → WhatsApp vincula su número).',
  'support.created.qrLink': 'Enlace de la página del QR',
  'support.created.qrLinkHelp':
    'La página independiente con el código QR en vivo, para quien tenga el teléfono de envío.',
  'support.created.apiHelp':
    'Envía mensajes con la clave de API; la documentación interactiva de la API está en',
  'support.created.back': 'Volver a la consola',

  'gone.title': 'Este enlace ya no es válido',
  'gone.body': 'Se restableció o caducó. Pide uno nuevo a quien te lo envió o contacta con soporte.',
  'install.title': 'No se pudo verificar la conexión desde ALTEGIO',
  'install.body':
    'Abra Zapgate de nuevo desde ALTEGIO (Integraciones → Notificaciones → Zapgate → Conectar). Si sigue ocurriendo, contacte con soporte.',
  'title.install': 'Conectar desde ALTEGIO',
  'install.knownTitle': 'Este salón ya está conectado a Zapgate',
  'install.knownBody':
    'Por seguridad, un clic en ALTEGIO solo abre el panel a quien conectó el salón. Abra el panel con su enlace de acceso (en su sistema de reservas o en el mensaje que le enviamos), o pida uno nuevo a soporte.',
  'install.openPanel': 'Abrir el panel',

  'login.title': 'Abre el enlace de acceso que recibiste',
  'login.body':
    'El panel se abre con tu enlace de acceso personal, desde tu sistema de citas o desde el mensaje que te enviamos. Si caducó, pide uno nuevo.',
  'login.usedTitle': 'Este enlace de acceso ya se usó',
  'login.usedBody':
    'Por seguridad, cada enlace de acceso abre el panel una sola vez, en un navegador. Para volver a entrar, abre el panel desde tu sistema de reservas (crea un enlace nuevo) o pide un enlace nuevo a soporte.',
  'login.expiredTitle': 'Este enlace de acceso caducó',
  'login.expiredBody':
    'Los enlaces de acceso funcionan por un tiempo limitado. Abre el panel desde tu sistema de reservas (crea un enlace nuevo) o pide un enlace nuevo a soporte.',
  'login.askNew': 'Pedir un enlace nuevo a soporte',

  // The linking help (catalogue-help-*.ts).
  ...helpEs,
  // The ALTEGIO Notifications tab: the slice's own strings.
  ...notifyEs,
};
